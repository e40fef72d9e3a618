# Hierarchical data and semantic development (independent of DATA).
TABLES += results/hierarchy_toy.csv results/hierarchy_modes.csv results/hierarchy_saxe2014.csv \
          results/hierarchy_representations.csv results/hierarchy_illusions.csv \
          results/hierarchy_coherence.csv
FIGURES += figures/out/hierarchy_toy.png figures/out/hierarchy_modes.png figures/out/hierarchy_saxe2014.png \
           figures/out/hierarchy_representations.png figures/out/hierarchy_illusions.png \
           figures/out/hierarchy_coherence.png

figures/out/hierarchy_toy.png: results/hierarchy_toy.csv
figures/out/hierarchy_modes.png: results/hierarchy_modes.csv
figures/out/hierarchy_saxe2014.png: results/hierarchy_saxe2014.csv
figures/out/hierarchy_representations.png: results/hierarchy_representations.csv
figures/out/hierarchy_illusions.png: results/hierarchy_illusions.csv
figures/out/hierarchy_coherence.png: results/hierarchy_coherence.csv
