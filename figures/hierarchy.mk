# Hierarchical data and semantic development (issue 10; independent of DATA).
TABLES += results/hierarchy_toy.csv
FIGURES += figures/out/hierarchy_toy.png

figures/out/hierarchy_toy.png: results/hierarchy_toy.csv
