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

.PHONY: run test lint bench install clean messages

run: install
	$(BIN)/python -m checker.serve

test: install lint
	$(BIN)/python -m pytest

lint: $(PY_STAMP)
	$(BIN)/ruff check .

# Reports step latency/throughput against gunicorn + Redis; does not gate (add ARGS=--check).
bench: install
	$(BIN)/python bench/step_latency.py $(ARGS)

install: $(PY_STAMP) $(if $(wildcard package.json),$(NPM_STAMP))

# pyvenv.cfg is a real file (bin/python is a symlink whose mtime is the interpreter's).
$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# npm ci wipes node_modules, so the stamp is written after it.
$(NPM_STAMP): package.json $(NPM_LOCK)
	npm $(if $(NPM_LOCK),ci,install) --no-audit --no-fund
	touch $@

# After changing client wording: refresh the template and the Spanish catalog, then translate
# the new or fuzzy entries (tests/test_i18n.py fails until every one is done). The .mo files
# are compiled at start-up (checker.catalog), so there is no separate compile step.
messages: $(PY_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project ClotCheck \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -w 100 --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache *.egg-info
