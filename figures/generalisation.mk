# Generalisation dynamics on a noisy linear teacher (Advani & Saxe; Lampinen & Ganguli).
TABLES += results/generalisation_time.csv results/generalisation_alpha.csv
FIGURES += figures/out/generalisation_time.png figures/out/generalisation_alpha.png

figures/out/generalisation_time.png: results/generalisation_time.csv
figures/out/generalisation_alpha.png: results/generalisation_alpha.csv
