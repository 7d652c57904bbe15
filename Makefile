# innovation_forecast — `make help` lists the targets.
# Self-documenting in the style of cookiecutter-data-science: every target has a `## ` comment.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# External data (province panel, NBS GDP, population, bulletins): read from here when it exists.
SHARED_RAW := $(abspath ../shared/data/raw)
export INNOVATION_FORECAST_DATA ?= $(if $(wildcard $(SHARED_RAW)),$(SHARED_RAW),)
RUN ?= reports/latest
WORKERS ?= 2

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $@

.PHONY: setup
setup: $(VENV)/.installed fonts ## Create the virtual environment, install the package (with dev and dask extras) and a Chinese font

.PHONY: fonts
fonts: | $(BIN)/python ## Install a Chinese font for the charts (Debian fonts-wqy-microhei via apt, else a pip fallback)
	PYTHON=$(BIN)/python bash scripts/install_fonts.sh

.PHONY: briefs
briefs: setup ## Set up, then write the batch of city briefs for every region in the default data to $(RUN)
	$(BIN)/innovation-forecast briefs --regions all --out $(RUN) --workers $(WORKERS)

.PHONY: test
test: setup ## Set up, then run the whole test suite (slow tests included)
	$(BIN)/python -m pytest -q

.PHONY: test-fast
test-fast: setup ## Run the tests not marked slow
	$(BIN)/python -m pytest -q -m "not slow"

.PHONY: bench
bench: setup ## Run the benchmark scripts (figures for BENCHMARKS.md)
	$(BIN)/python bench/m3.py
	$(BIN)/python bench/province.py
	$(BIN)/python bench/reader_accuracy.py
	$(BIN)/python bench/feasibility.py
	$(BIN)/python bench/briefs.py

.PHONY: lab
lab: setup ## Open JupyterLab on the project
	$(BIN)/jupyter lab --notebook-dir=.

.PHONY: clean
clean: ## Remove caches and generated reports (keeps the virtual environment)
	rm -rf .pytest_cache .hypothesis build dist *.egg-info
	find reports -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'
