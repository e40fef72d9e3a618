# MNIST-family experiments: tables under results/$(DATA_OUT)/, figures under figures/out/$(DATA_OUT)/.
#   make figures                                  embedded 5,000-digit MNIST sample (results/mnist/)
#   make figures DATA=fashion                     Fashion-MNIST from /usr/share/datasets/fashion-mnist
#   make figures DATA_DIR=~/.cache/linnet/mnist   the four official IDX files (results/mnist-idx/)
# (fetch the official files with `python -m linnet download --dest DIR`). DATA_OUT is set in
# the Makefile: <DATA>, or <DATA>-idx for a folder given by DATA_DIR.

MNIST_TABLES := mnist_modes mnist_vectors mnist_accuracy mnist_seed_notebook
MNIST_FIGURES := mnist_spectrum mnist_modes mnist_singular_vectors mnist_accuracy mnist_seed_notebook

TABLES += $(MNIST_TABLES:%=results/$(DATA_OUT)/%.csv)
FIGURES += $(MNIST_FIGURES:%=figures/out/$(DATA_OUT)/%.png)

results/$(DATA_OUT)/%.csv: analysis/%.py $(LIB) $(ANALYSIS_COMMON) | $(STAMP)
	$(PY) $< --dataset $(DATA) $(if $(DATA_DIR),--data-dir $(DATA_DIR)) --out $@

figures/out/$(DATA_OUT)/%.png: figures/%.py $(FIGURE_COMMON) | $(STAMP)
	$(PY) $< --tables results/$(DATA_OUT) --out $@

# mnist_seed_notebook reuses the notebook's run from analysis/seed_notebook.py.
results/$(DATA_OUT)/mnist_seed_notebook.csv: analysis/seed_notebook.py

figures/out/$(DATA_OUT)/mnist_spectrum.png: results/$(DATA_OUT)/mnist_modes.csv
figures/out/$(DATA_OUT)/mnist_modes.png: results/$(DATA_OUT)/mnist_modes.csv
figures/out/$(DATA_OUT)/mnist_singular_vectors.png: results/$(DATA_OUT)/mnist_vectors.csv
figures/out/$(DATA_OUT)/mnist_accuracy.png: results/$(DATA_OUT)/mnist_accuracy.csv
figures/out/$(DATA_OUT)/mnist_seed_notebook.png: results/$(DATA_OUT)/mnist_seed_notebook.csv
