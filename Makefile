# The two quick-start commands:
#   make example   set up, then render the example profile into output/example-city/
#   make test      set up (with the test tools), then lint, type-check and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: example test setup setup-test lint clean

example: setup
	$(BIN)/smpgen render city_profiles/example-city.yaml

# Test files run side by side, one per core (pytest-xdist); a file's tests stay in one
# worker, so its module fixtures (a render, a browser, LibreOffice) are made once.
test: setup-test lint
	$(BIN)/pytest -q -n auto --dist loadfile

lint:
	$(BIN)/ruff check smpgen tests $(wildcard benchmarks)
	$(BIN)/mypy

# A regular (not editable) install: the tests exercise the package as users get it.
setup:
	scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check .
	$(BIN)/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps .

setup-test:
	scripts/system-deps.sh --tests
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check ".[test]"
	$(BIN)/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps .

clean:
	rm -rf $(VENV) build dist output/*/
