# Generalisation dynamics on a noisy linear teacher (Advani & Saxe; Lampinen & Ganguli).
TABLES += results/generalisation_time.csv results/generalisation_alpha.csv results/generalisation_deep.csv
FIGURES += figures/out/generalisation_time.png figures/out/generalisation_alpha.png \
           figures/out/generalisation_deep.png

figures/out/generalisation_time.png: results/generalisation_time.csv
figures/out/generalisation_alpha.png: results/generalisation_alpha.csv
figures/out/generalisation_deep.png: results/generalisation_deep.csv

# The MNIST P-sweep (the real-data overtraining peak): the pattern rules of figures/mnist.mk.
TABLES += results/$(DATA_OUT)/generalisation_mnist.csv
FIGURES += figures/out/$(DATA_OUT)/generalisation_mnist.png
figures/out/$(DATA_OUT)/generalisation_mnist.png: results/$(DATA_OUT)/generalisation_mnist.csv

# Advani–Saxe's second setting: early stopping against SNR at α = 1 (the paper's N = 1000, all
# 401 SNRs, under `make paper`).
TABLES += results/generalisation_snr.csv
FIGURES += figures/out/generalisation_snr.png
PAPER += results/paper/generalisation_snr.csv figures/out/paper/generalisation_snr.png
figures/out/generalisation_snr.png: results/generalisation_snr.csv
figures/out/paper/generalisation_snr.png: results/paper/generalisation_snr.csv
