# gridgov: `make demo` runs the demo, `make test` runs every check. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
PG_URL ?= $(DATABASE_URL)
# The suite runs on every logical CPU (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= logical
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: demo run test checks demo-template lint typecheck migrations-check test-sqlite test-postgres browser-deps bench bench-cases bench-metrics bench-ops bench-registry clean lock messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "gridgov needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

## demo: install, migrate SQLite under var/, load the demo county and accounts, serve on :8000
demo: $(VENV)/.installed
	$(BIN)/gridgov demo --port $(or $(PORT),8000)

## run: development server with auto-reload (DEBUG on)
run: $(VENV)/.installed
	DEBUG=1 $(BIN)/gridgov migrate
	DEBUG=1 $(BIN)/gridgov manage runserver $(or $(PORT),8000)

## test: lint, types, migrations check, the suite on SQLite, and again on PostgreSQL if DATABASE_URL is set
test: $(VENV)/.installed-dev browser-deps checks test-sqlite test-postgres

## checks: lint, types and the migrations check, two at a time, with the browser tests' demo
## county built meanwhile (demo-template) on the CPU they leave free
checks: $(VENV)/.installed-dev
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck migrations-check demo-template

## demo-template: build the browser tests' demo folder ahead (var/test-cache/; tests/browser/conftest.py)
demo-template: $(VENV)/.installed-dev
	env -u DATABASE_URL $(BIN)/python tests/browser/conftest.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src bench tools tests conftest.py
	$(BIN)/ruff format --check src bench tools tests conftest.py
	@command -v msgfmt >/dev/null || { echo "msgfmt missing: apt-get install gettext"; exit 1; }
	msgfmt --check -o /tmp/gridgov-en.mo src/gridgov/locale/en/LC_MESSAGES/django.po
	@cmp -s /tmp/gridgov-en.mo src/gridgov/locale/en/LC_MESSAGES/django.mo || \
	  { echo "django.mo is stale: run make messages"; exit 1; }

typecheck: $(VENV)/.installed-dev
	GRIDGOV_TESTING=1 $(BIN)/mypy

migrations-check: $(VENV)/.installed-dev
	env -u DATABASE_URL GRIDGOV_TESTING=1 $(BIN)/gridgov manage makemigrations --check --dry-run

test-sqlite: $(VENV)/.installed-dev
	env -u DATABASE_URL $(PYTEST)

test-postgres: $(VENV)/.installed-dev
	@if [ -n "$(PG_URL)" ]; then \
	  echo "== PostgreSQL: $(PG_URL)"; \
	  DATABASE_URL="$(PG_URL)" $(PYTEST); \
	else echo "== DATABASE_URL not set: PostgreSQL run skipped"; fi

## browser-deps: Debian's chromium and a CJK font for the Playwright tests (never a downloaded
## browser). When they cannot be installed, the browser tests skip themselves with a message.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian chromium and fonts-wqy-microhei"; \
	    (apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1)) || \
	     echo "!! could not install chromium: the browser tests will be skipped"; \
	  else echo "!! /usr/bin/chromium missing and not root: the browser tests will be skipped"; fi; \
	fi

## bench: benchmark scripts, each printing ours vs a baseline measured in the same run
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/locate.py
	$(BIN)/python bench/pages.py

## bench-cases: case intake on PostgreSQL vs plain INSERTs (100,000 cases: about 15 minutes)
bench-cases: $(VENV)/.installed-dev
	$(BIN)/python bench/cases.py --fresh

## bench-registry: importing 1,000,000 people from xlsx into PostgreSQL vs a plain COPY of the
## same rows (about 15 minutes; ROWS=N for fewer)
bench-registry: $(VENV)/.installed-dev
	$(BIN)/python bench/registry_import.py $(if $(ROWS),--rows $(ROWS))

## bench-metrics: a month's figures on PostgreSQL with 1,000,000 cases vs plain aggregates (load and
## rollups: about 4 minutes; KEEP=1 reuses the loaded cases)
bench-metrics: $(VENV)/.installed-dev
	$(BIN)/python bench/metrics.py $(if $(KEEP),--keep)

## bench-ops: 25,884 grid workers' check-ins and an hour of patrol points (3.1M) on PostgreSQL
## vs a plain COPY of the same rows (about 10 minutes; WORKERS=N MINUTES=N for less)
bench-ops: $(VENV)/.installed-dev
	$(BIN)/python bench/ops_ingest.py $(if $(WORKERS),--workers $(WORKERS)) $(if $(MINUTES),--minutes $(MINUTES))

## messages: refresh and compile the English catalogue after changing UI strings
messages: $(VENV)/.installed-dev
	cd src/gridgov && GRIDGOV_TESTING=1 ../../$(BIN)/gridgov manage makemessages -l en --ignore "*/tests/*" --ignore "demo/*"
	cd src/gridgov && msgfmt --check -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po

## lock: refresh constraints.txt from a fresh resolution of pyproject.toml
lock:
	rm -rf /tmp/gridgov-lock && $(PYTHON) -m venv /tmp/gridgov-lock
	/tmp/gridgov-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/gridgov-lock/bin/pip freeze --exclude-editable | grep -v '^gridgov' > constraints.txt

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
