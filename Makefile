# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv with
# Python 3.12 and installs the package with everything it needs before running.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3 2>/dev/null)

.PHONY: demo test test-slow lint bench docs notebooks install clean

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

# The HTML documentation: the README's guide, the API reference from the docstrings and the
# notebooks as committed (not executed). Fails on any warning. Open docs/_build/html/index.html.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html -d docs/_build/doctrees docs docs/_build/html

# Execute the notebooks in place at full draws, keeping their outputs (commit the result);
# about 5 minutes. Run after notebooks/build_notebooks.py has regenerated them.
notebooks: $(STAMP)
	$(PY) notebooks/execute_notebooks.py

# Long: about an hour in all on a 2-core machine. Tables go to benchmarks/results/.
bench: $(STAMP)
	$(PY) benchmarks/prior_fidelity.py
	$(PY) benchmarks/sampling.py
	$(PY) benchmarks/scale.py

clean:
	rm -rf $(VENV) build *.egg-info
