# The seed notebook replayed on its own draws and MNIST inputs (analysis/seed_notebook_replay.py).
# An MNIST-family table: it goes where figures/mnist.mk's rules put them (results/$(DATA_OUT)/,
# built with DATA and DATA_DIR), and its figure beside the other MNIST figures.
# Only for MNIST (the embedded sample or official files): the notebook trained on MNIST digits,
# so a replay on Fashion-MNIST would set its printout against numbers of other data.
ifeq ($(DATA),mnist)
TABLES += results/$(DATA_OUT)/seed_notebook_replay.csv
FIGURES += figures/out/$(DATA_OUT)/seed_notebook_replay.png
endif

figures/out/$(DATA_OUT)/seed_notebook_replay.png: results/$(DATA_OUT)/seed_notebook_replay.csv
