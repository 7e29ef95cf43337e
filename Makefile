# The two commands: `make run` (set up, then start the emulator suite) and `make test` (set up, then
# run every test tier). Everything else here is what those two need.

PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
EMULATORS := $(PY) tools/emulators.py

.PHONY: run test setup seed check lint typecheck unit integration e2e browser console bench mutate clean

## Set-up: the venv where the Firebase CLI expects it (./venv), the CLI from package-lock.json.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The CLI's package.json lives in tools/: a package.json beside requirements.txt would make the
# Firebase CLI treat the functions source (the repository root) as Node code.
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

## The admin console (console/): its own node_modules, built into console/dist, which Hosting serves.
console/node_modules/.installed: console/package.json console/package-lock.json
	npm ci --prefix console --no-audit --no-fund --loglevel=error
	touch $@

CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts \
	console/tsconfig.json
console/dist/index.html: console/node_modules/.installed $(CONSOLE_SOURCES)
	npm run --prefix console --silent build
	touch $@

console: console/dist/index.html

# The browser tier drives Debian's chromium: Playwright's own browser download needs the internet and
# `playwright install` is never run. apt-get needs root; sudo only when we are not root (CI containers
# run as root and often have no sudo). A machine that never ran apt-get update gets one first.
# Noninteractive: a package that asks a question (tzdata on a bare image) must not wait for an answer.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
/usr/bin/chromium:
	$(APT_GET) install -y --no-install-recommends chromium || \
		($(APT_GET) update && $(APT_GET) install -y --no-install-recommends chromium)

setup: $(VENV)/.installed tools/node_modules/.installed console /usr/bin/chromium

## The product on the Firebase emulator suite (functions, Firestore, Auth, Pub/Sub, Tasks, Hosting).
run: setup
	@echo "Starting the emulator suite (project demo-integrations). When it is ready:"
	@echo "  console    http://127.0.0.1:5000   (after make seed: owner@example.com / password123)"
	@echo "  callables  http://127.0.0.1:5001/demo-integrations/us-central1/<function id>"
	@echo "  Firestore  127.0.0.1:8080   Auth 127.0.0.1:9099   Pub/Sub 127.0.0.1:8085   Tasks 127.0.0.1:9499"
	@echo "  then, in another terminal: make seed"
	$(EMULATORS) start

## Demo team, owner user and an ID token, in the running emulators.
seed: setup
	$(PY) tools/seed.py

## Every test tier; fails when any test fails.
test: setup lint typecheck unit integration e2e browser

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck:
	$(PY) -m mypy

unit:
	$(PYTEST) tests/unit

# The integration tier starts its own Firestore emulator (tests/support/firestore_emulator.py).
integration:
	$(PYTEST) tests/integration

# The e2e tier runs inside the whole emulator suite, functions served over HTTP.
# Hosting serves console/dist in the suite, so the console is built first.
e2e: console
	$(EMULATORS) exec -- $(PYTEST) tests/e2e

# The console in headless chromium (Playwright), against the same emulator suite. A failing test leaves
# a screenshot of its page in .browser-results/.
browser: console /usr/bin/chromium
	$(EMULATORS) exec -- $(PYTEST) tests/browser --screenshot=only-on-failure --output=.browser-results

check: test

bench: setup
	$(PY) bench/api_keys.py
	$(PY) bench/outbound.py | grep -v '"severity"'
	$(PY) bench/webhooks.py
	$(PY) bench/sweeps.py
	$(PY) bench/cold_start.py
	$(PY) bench/sync.py | grep -v '"severity"'
	$(PY) bench/public_api.py | grep -v '"severity"'
	$(PY) bench/graphql.py | grep -v '"severity"'

## Mutation testing, outside CI (long: see the README): mutmut over the modules in pyproject.toml's
## [tool.mutmut]; prints the mutants no test notices. A subset: make mutate MUTANTS='shared.outbound.*'
mutate: $(VENV)/.installed
	$(PY) tools/mutate.py $(MUTANTS)

clean:
	rm -rf $(VENV) tools/node_modules console/node_modules console/dist .browser-results .emulators .pytest_cache .mypy_cache .ruff_cache mutants
