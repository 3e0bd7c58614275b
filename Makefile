# contextd: `make run` serves the embedded default; `make test` runs the whole suite.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test lint typecheck check bench docs clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25"

# torch is pinned and installed first: the CPU build of 2.13.0 is what the embedding model
# needs; an unpinned torch would pull a CUDA build of several GB.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/contextd migrate
	$(BIN)/contextd serve --host $(HOST) --port $(PORT)

# Two worker processes, each taking whole files (their module fixtures stay together; the
# schedule in tests/support/schedule.py starts the slowest files first and splits the fuzz file);
# TEST_WORKERS=0 runs it in this process, as plain pytest does.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Everything Python is linted; the docs' settings table must match config.Settings.
lint: install
	$(BIN)/ruff check src tests bench evals scripts
	$(BIN)/ruff format --check src tests bench evals scripts
	$(BIN)/python scripts/settings_table.py --check
	$(BIN)/lint-imports --no-cache

# mypy's `files` (pyproject.toml) covers the package, tests, bench, evals and scripts.
typecheck: install
	$(BIN)/mypy

# What a change must pass before it is committed: lint, types, then the suite.
check: lint typecheck test

bench: install
	$(BIN)/python bench/api.py

# The documentation site (docs/, mkdocs.yml) into site/, warnings and broken links as errors.
# NO_MKDOCS_2_WARNING silences a notice about MkDocs' future that the theme prints on every build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .contextd .pytest_cache .mypy_cache site
