# The two commands: `make run` serves the seeded API on SQLite, `make test` runs every check.
# Both build their own virtual environment from pinned versions (constraints.txt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck pytest clean vendor

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

# The dashboard's front-end packages, from the npm registry as package-lock.json pins them, copied
# into the app with their licences (committed: a clone runs without npm). CI runs this and fails
# if the copies differ from what the lock file gives (.ci/run).
VENDOR := app/dashboard/static/vendor
VENDORED := d3-array/dist/d3-array.min.js d3-geo/dist/d3-geo.min.js \
	topojson-client/dist/topojson-client.min.js chart.js/dist/chart.umd.min.js \
	world-atlas/countries-50m.json

vendor: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cd node_modules && cp $(VENDORED) ../$(VENDOR)/
	for package in d3-array d3-geo topojson-client chart.js @kurkle/color world-atlas; do \
	  cp node_modules/$$package/LICENSE* $(VENDOR)/$$(basename $$package).LICENSE; done
	$(PYTHON) -c 'import json; lock = json.load(open("package-lock.json"))["packages"]; \
	  print(json.dumps({k.removeprefix("node_modules/"): v["version"] for k, v in sorted(lock.items()) if k}, indent=2))' \
	  > $(VENDOR)/versions.json

clean:
	rm -rf $(VENV) data node_modules
