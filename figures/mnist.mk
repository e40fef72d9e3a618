# MNIST-family experiments: tables under results/$(DATA_OUT)/, figures under figures/out/$(DATA_OUT)/.
#   make figures                    MNIST: the downloaded official files if any, else the
#                                   embedded 5,000-digit sample (results/mnist/)
#   make figures DATA=fashion       Fashion-MNIST: download cache, else /usr/share/datasets/fashion-mnist
#   make figures DATA_DIR=DIR       the four IDX files in DIR (results/<DATA>-idx-<digest>/)
# (fetch the official files with `python -m linnet download [--dataset fashion]`). DATA_OUT,
# DATA_ARGS, DATA_ENV and DATA_CHECK are set in the Makefile from the data registry.

MNIST_TABLES := mnist_modes mnist_vectors mnist_accuracy mnist_seed_notebook
MNIST_FIGURES := mnist_spectrum mnist_modes mnist_singular_vectors mnist_accuracy mnist_seed_notebook

TABLES += $(MNIST_TABLES:%=results/$(DATA_OUT)/%.csv)
FIGURES += $(MNIST_FIGURES:%=figures/out/$(DATA_OUT)/%.png)

results/$(DATA_OUT)/%.csv: analysis/%.py | $(STAMP) $(DATA_CHECK)
	$(DATA_ENV) $(PY) $< $(DATA_ARGS) --out $@

figures/out/$(DATA_OUT)/%.png: figures/%.py $(FIGURE_COMMON) | $(STAMP)
	$(PY) $< --tables results/$(DATA_OUT) --out $@

figures/out/$(DATA_OUT)/mnist_spectrum.png: results/$(DATA_OUT)/mnist_modes.csv
figures/out/$(DATA_OUT)/mnist_modes.png: results/$(DATA_OUT)/mnist_modes.csv
figures/out/$(DATA_OUT)/mnist_singular_vectors.png: results/$(DATA_OUT)/mnist_vectors.csv
figures/out/$(DATA_OUT)/mnist_accuracy.png: results/$(DATA_OUT)/mnist_accuracy.csv
figures/out/$(DATA_OUT)/mnist_seed_notebook.png: results/$(DATA_OUT)/mnist_seed_notebook.csv
