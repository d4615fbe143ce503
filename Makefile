# ClotCheck: `make run` starts the product, `make test` runs lint + tests.
# Both install what they need first (needs only Python 3.11+, pip and npm on the machine).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Stamps live inside the directories they describe, so deleting .venv or node_modules
# forces a reinstall.
PY_STAMP  := $(VENV)/.clotcheck-installed
NPM_STAMP := node_modules/.clotcheck-installed
NPM_LOCK  := $(wildcard package-lock.json)
# Compiled message catalogs: build output of translations/*/LC_MESSAGES/messages.po.
MO_FILES  := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: run test test-fast lint bench install clean messages

# PORT=8001 make run (or make run PORT=8001) when 8000 is taken.
run: install
	$(BIN)/python -m devtools.run $(if $(PORT),--port $(PORT))

test: install lint
	$(BIN)/python -m pytest

# The fast part of the suite (no processes, browsers or extra Redis servers started).
test-fast: install lint
	$(BIN)/python -m pytest -m "not slow"

lint: $(PY_STAMP)
	$(BIN)/ruff check .

# Reports step latency/throughput against gunicorn + Redis; does not gate (add ARGS=--check).
bench: install
	$(BIN)/python bench/step_latency.py $(ARGS)

install: $(PY_STAMP) $(if $(wildcard package.json),$(NPM_STAMP)) $(MO_FILES)

# pyvenv.cfg is a real file (bin/python is a symlink whose mtime is the interpreter's).
$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The app reads the compiled catalogs; they are never compiled at start-up.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(PY_STAMP)
	$(BIN)/python -m checker.catalog

# npm ci wipes node_modules, so the stamp is written after it.
$(NPM_STAMP): package.json $(NPM_LOCK)
	npm $(if $(NPM_LOCK),ci,install) --no-audit --no-fund
	touch $@

# After changing client wording: refresh the template and the Spanish catalog, then translate
# the new or fuzzy entries (tests/test_i18n.py fails until every one is done). `make install`
# (which `make run` and `make test` do first) compiles the .mo files.
messages: $(PY_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project ClotCheck \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -w 100 --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache *.egg-info
