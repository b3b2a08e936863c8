# The two commands: `make run` serves the seeded API on SQLite, `make test` runs every check.
# Both build their own virtual environment from pinned versions (constraints.txt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -c constraints.txt -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PIP) install -c constraints.txt -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/diplo serve

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy app tests migrations bench

# Two workers (pytest-xdist), a test file each at a time: its module fixtures stay one.
pytest: $(VENV)/.dev-installed
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck pytest

clean:
	rm -rf $(VENV) data
