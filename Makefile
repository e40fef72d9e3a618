# linnet: every table from one analysis script, every figure from one figure script.
# `make help` lists the targets. A second `make figures` does nothing.

SHELL := bash
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Data set for the MNIST-family tables and figures: mnist or fashion, from DATA_DIR or, without
# it, from where the data registry finds it (linnet/data/sources.py: the download cache, then
# Debian's folder for fashion, then the embedded sample for mnist).
DATA ?= mnist
DATA_DIR ?=
# The registry resolves the data once, with the Python that builds .venv (the module needs only
# the standard library): "<key> <folder>", <folder> = embedded for the sample, or nothing when
# the data cannot be found. The key names the files (a digest of their names, sizes and times),
# so tables of different data never share a folder: results/mnist/ for the embedded sample,
# results/<DATA>-idx-<digest>/ for files.
DATA_SOURCE := $(shell $(PYTHON) linnet/data/sources.py --dataset '$(DATA)' \
                 $(if $(DATA_DIR),--data-dir '$(DATA_DIR)') 2>/dev/null)
DATA_FROM := $(word 2,$(DATA_SOURCE))
# Where the MNIST-family tables and figures go: results/$(DATA_OUT)/, figures/out/$(DATA_OUT)/.
DATA_OUT ?= $(or $(word 1,$(DATA_SOURCE)),$(DATA)-not-found)
# What the MNIST-family scripts are given: the resolved folder, so they read what was keyed.
DATA_ARGS := --dataset $(DATA) $(if $(filter-out embedded,$(DATA_FROM)),--data-dir $(DATA_FROM))
# Prefix of the commands that read the data: the registry's messages then tell a make user
# "DATA_DIR=DIR", not "--data-dir DIR" (only there: `make test` must see the plain wording).
DATA_ENV := LINNET_DATA_DIR_FLAG=DATA_DIR=
# When the data cannot be found, every MNIST-family table first runs data-not-found, which
# prints the registry's one-line message (naming DATA_DIR=) and stops make.
DATA_CHECK := $(if $(DATA_SOURCE),,data-not-found)
PYTEST_ARGS ?=

LIB := $(wildcard linnet/*.py linnet/*/*.py)
# A table depends on its script and on the linnet modules the script imports, followed through
# their own imports (tools/deps.py reads the imports from the source; a package __init__ is
# listed but only the names taken from it are followed). .deps/analysis.mk holds one line per
# script and is regenerated when a script or a library file changes (one python run, standard
# library only); a change to a file no script's imports reach rebuilds no table. Module by module,
# so coarse: linnet/experiment.py uses linnet/cli.py, whose commands import the sweep and data.
ANALYSES := $(sort $(wildcard analysis/[a-z]*.py))
-include .deps/analysis.mk
FIGURE_COMMON := figures/_common.py figures/linnet.mplstyle

# Each figures/*.mk adds its tables to TABLES, its figures to FIGURES, and says which tables
# each figure reads (figures/teacher.mk, figures/mnist.mk, ...).
TABLES :=
FIGURES :=
# Runs at a paper's full size that take longer than `make figures` should (Spec.paper(), the
# scripts' --paper): a figures/*.mk adds results/paper/<name>.csv and figures/out/paper/<name>.png.
PAPER :=
include $(sort $(wildcard figures/*.mk))

.PHONY: help setup tables figures paper test bench clean data-not-found docs docs-check print-figures

help: ## list the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: DATA=mnist|fashion  DATA_DIR=<folder with the four IDX files>"

setup: $(STAMP) ## create .venv and install linnet (editable, with test extras) once

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

tables: $(DATA_CHECK) $(TABLES) ## compute every table into results/

figures: $(DATA_CHECK) $(FIGURES) ## compute the tables and draw every figure into figures/out/

paper: $(DATA_CHECK) $(PAPER) ## the paper-size runs (longer; the README gives their times)

results/paper/%.csv: analysis/%.py | $(STAMP)
	$(PY) $< --paper --out $@

figures/out/paper/%.png: figures/%.py $(FIGURE_COMMON) | $(STAMP)
	$(PY) $< --tables results/paper --out $@

results/%.csv: analysis/%.py | $(STAMP)
	$(PY) $< --out $@

.deps/analysis.mk: $(ANALYSES) $(LIB) tools/deps.py
	@mkdir -p $(@D)
	$(PYTHON) tools/deps.py analysis > $@.tmp && mv $@.tmp $@

figures/out/%.png: figures/%.py $(FIGURE_COMMON) | $(STAMP)
	$(PY) $< --tables results --out $@

data-not-found:
	@$(DATA_ENV) $(PYTHON) linnet/data/sources.py --dataset '$(DATA)' $(if $(DATA_DIR),--data-dir '$(DATA_DIR)') >/dev/null

test: $(STAMP) ## run the test suite (unit, theory validation, smoke tests of every script, doctests)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

bench: $(STAMP) ## run every benchmark in bench/ and print one table of ratios
	$(PY) bench/run_all.py

clean: ## remove tables and figures (keeps .venv)
	rm -rf results figures/out .deps docs/_build docs/_generated

# The documentation site (docs/conf.py). The gallery shows every figure of FIGURES, so make
# draws them first with its own rules; docs/gallery.py then writes the gallery page from the
# figure scripts' docstrings and key_numbers(); Sphinx turns every warning into an error.
DOCS_STAMP := $(VENV)/.docs-installed
DOCS_HTML := docs/_build/html

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[test,docs,docs-check]"
	touch $@

docs: $(DATA_CHECK) $(FIGURES) | $(DOCS_STAMP) ## build the documentation site into docs/_build/html (warnings are errors)
	$(PY) docs/gallery.py --out docs/_generated $(foreach f,$(FIGURES),--figure $(f))
	$(PY) -m sphinx -W --keep-going -q -b html -d docs/_build/doctrees docs $(DOCS_HTML)
	@echo "docs: open $(DOCS_HTML)/index.html"

docs-check: | $(DOCS_STAMP) ## load the built site in headless Chromium: console errors, images, internal links
	$(PY) docs/check_site.py $(DOCS_HTML) --screenshots docs/_build/screenshots

print-figures: ## the figures `make figures` draws, one a line
	@printf '%s\n' $(FIGURES)
