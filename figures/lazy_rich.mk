# Lazy to rich: the tangent kernel's motion over initial scale and λ, on the linear
# teacher and on the MNIST-family data set, so the table lives with the MNIST tables in
# results/$(DATA_OUT)/ (built by figures/mnist.mk's pattern rule). `make paper` runs Kunin et
# al.'s full 17 × 17 × 16 grid (the README gives its time).

TABLES += results/$(DATA_OUT)/lazy_rich_phase.csv
FIGURES += figures/out/$(DATA_OUT)/lazy_rich_phase.png
PAPER += results/paper/lazy_rich_phase.csv figures/out/paper/lazy_rich_phase.png

figures/out/$(DATA_OUT)/lazy_rich_phase.png: results/$(DATA_OUT)/lazy_rich_phase.csv
figures/out/paper/lazy_rich_phase.png: results/paper/lazy_rich_phase.csv

# Sharpness along training at several η (teacher task; extends lr_stability).
TABLES += results/sharpness.csv
FIGURES += figures/out/sharpness.png

figures/out/sharpness.png: results/sharpness.csv

# Silent alignment on the MNIST-family data set, white and anisotropic inputs.
TABLES += results/$(DATA_OUT)/silent_alignment.csv
FIGURES += figures/out/$(DATA_OUT)/silent_alignment.png

figures/out/$(DATA_OUT)/silent_alignment.png: results/$(DATA_OUT)/silent_alignment.csv
