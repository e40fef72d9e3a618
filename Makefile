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
# Data set for the MNIST-family tables and figures: mnist (embedded sample or DATA_DIR) or fashion.
DATA ?= mnist
DATA_DIR ?=
# Where the MNIST-family tables and figures go: results/$(DATA_OUT)/, figures/out/$(DATA_OUT)/.
# A folder given by DATA_DIR writes to <DATA>-idx so its tables never mix with the embedded sample's.
DATA_OUT ?= $(DATA)$(if $(DATA_DIR),-idx)
PYTEST_ARGS ?=

LIB := $(wildcard linnet/*.py linnet/*/*.py)
ANALYSIS_COMMON := $(wildcard analysis/_*.py)
FIGURE_COMMON := figures/_common.py figures/linnet.mplstyle

# Each figures/*.mk adds its tables to TABLES, its figures to FIGURES, and says which tables
# each figure reads (figures/teacher.mk, figures/mnist.mk, ...).
TABLES :=
FIGURES :=
include $(sort $(wildcard figures/*.mk))

.PHONY: help setup tables figures test bench clean

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

tables: $(TABLES) ## compute every table into results/

figures: $(FIGURES) ## compute the tables and draw every figure into figures/out/

results/%.csv: analysis/%.py $(LIB) $(ANALYSIS_COMMON) | $(STAMP)
	$(PY) $< --out $@

figures/out/%.png: figures/%.py $(FIGURE_COMMON) | $(STAMP)
	$(PY) $< --tables results --out $@

test: $(STAMP) ## run the test suite (unit, theory validation, smoke tests of every script)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

bench: $(STAMP) ## run every benchmark in bench/ and print one table of ratios
	$(PY) bench/run_all.py

clean: ## remove tables and figures (keeps .venv)
	rm -rf results figures/out
