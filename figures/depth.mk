# Depth, initialisation regimes and exact solutions.
# Teacher-task tables go to results/, the MNIST ones next to the other MNIST tables in
# results/$(DATA_OUT)/ (built by the pattern rules of figures/mnist.mk; DATA_OUT is set in the
# Makefile, before any fragment is read, because prerequisites expand on reading).

TABLES += results/init_regimes.csv results/lr_stability.csv \
          results/$(DATA_OUT)/depth_isometry.csv results/$(DATA_OUT)/hidden_similarity.csv
FIGURES += figures/out/init_regimes.png figures/out/lr_stability.png \
           figures/out/$(DATA_OUT)/depth_isometry.png figures/out/$(DATA_OUT)/hidden_similarity.png

figures/out/init_regimes.png: results/init_regimes.csv
figures/out/lr_stability.png: results/lr_stability.csv
figures/out/$(DATA_OUT)/depth_isometry.png: results/$(DATA_OUT)/depth_isometry.csv
figures/out/$(DATA_OUT)/hidden_similarity.png: results/$(DATA_OUT)/hidden_similarity.csv
