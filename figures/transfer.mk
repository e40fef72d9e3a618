# Transfer between two noisy rank-1 tasks (Lampinen & Ganguli 2019): the benefit against the
# input-mode overlap q. `make paper` runs the paper's grid (3 targets × 5 auxiliary strengths ×
# 11 overlaps × 10 seeds, η = 1e-3 for 5,000 steps: 13 min of CPU, 16 min wall on the 2-core
# Xeon under other jobs' load).
TABLES += results/transfer.csv
FIGURES += figures/out/transfer.png
PAPER += results/paper/transfer.csv figures/out/paper/transfer.png

figures/out/transfer.png: results/transfer.csv
figures/out/paper/transfer.png: results/paper/transfer.csv
