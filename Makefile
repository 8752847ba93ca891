# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv with
# Python 3.12 and installs the package with everything it needs before running.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3 2>/dev/null)

.PHONY: demo test test-slow lint bench bench-quick docs notebooks install clean

install: $(STAMP)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "r2d2_formula needs Python >= 3.12; found " + sys.version.split()[0] + " at $(PYTHON). Set PYTHON=/path/to/python3.12.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/r2d2-formula demo

test: $(STAMP)
	$(PY) -m pytest

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check r2d2_formula tests benchmarks notebooks
	$(VENV)/bin/ruff format --check r2d2_formula tests benchmarks notebooks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The HTML documentation: the README's guide, the API reference from the docstrings and the
# notebooks as committed (not executed). Fails on any warning. Open docs/_build/html/index.html.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html -d docs/_build/doctrees docs docs/_build/html

# Write notebooks/NN_name.ipynb from the percent script notebooks/NN_name.py (jupytext),
# executed at full draws with their outputs (commit both); about 5 minutes.
notebooks: $(STAMP)
	$(PY) notebooks/execute_notebooks.py

# Every benchmark at full size (python -m benchmarks --list): hours on a 2-core machine.
# Tables go to benchmarks/results/. One alone: $(PY) -m benchmarks NAME [OPTIONS].
bench: $(STAMP)
	$(PY) -m benchmarks all

# A smoke run of every benchmark (small data, few draws and seeds): a few minutes.
# Tables go to benchmarks/results/quick/ (not committed).
bench-quick: $(STAMP)
	$(PY) -m benchmarks quick

clean:
	rm -rf $(VENV) build *.egg-info
