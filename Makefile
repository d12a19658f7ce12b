# Two commands matter: `make run` (set up and run the app with demo data) and `make test` (the whole suite).
VENV   ?= .venv
PYTHON ?= python3
PORT   ?= 5000
HOST   ?= 127.0.0.1
BIN     = $(VENV)/bin
SERVICES_STATE ?= /tmp/cabinet-test-services
# Pinned, hashed dependencies (pip-compile from setup.cfg): the server's, and the server's plus the tests'.
LOCK     = requirements.lock
DEV_LOCK = requirements-dev.lock
# pip-tools and pip-audit live in a venv of their own, away from the app's pins.
TOOLS   ?= .venv-tools
COMPILE  = $(TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
           --no-emit-index-url --no-emit-find-links --annotation-style line

.PHONY: setup assets run test test-only translations lock audit wheel clean

setup: $(VENV)/.installed assets

# The exact versions of the lock, then Cabinet itself (editable: it reads this checkout's folders).
$(VENV)/.installed: $(DEV_LOCK) setup.cfg setup.py pyproject.toml
	bash .ci/system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json static/install-vendor.sh
	bash static/install-vendor.sh
	touch $@

run: setup
	$(BIN)/cabinet demo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above."
	CABINET_ASYNC_MODE=eventlet $(BIN)/cabinet serve --host $(HOST) --port $(PORT)

# Installs what the tests need (Chromium, PostgreSQL: .ci/services.sh), then runs the suite on SQLite and PostgreSQL.
test: setup
	CABINET_STATE=$(SERVICES_STATE) bash .ci/services.sh
	CABINET_TEST_POSTGRES_URL=$$(cat $(SERVICES_STATE)/postgres_url) $(MAKE) --no-print-directory test-only

test-only:
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; exit $$rc

translations:
	$(BIN)/pybabel extract -F cabinet/translations/babel.cfg -k _l -k lazy_gettext -o cabinet/translations/messages.pot .
	$(BIN)/pybabel update -i cabinet/translations/messages.pot -d cabinet/translations --no-fuzzy-matching

# After a change of dependencies in setup.cfg: pins what changed and keeps the rest (`make lock
# UPGRADE=--upgrade` moves everything to the newest allowed). The dev lock is held to the server's pins.
lock:
	test -x $(TOOLS)/bin/pip-compile \
	  || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q pip-tools==7.7.0; }
	$(COMPILE) $(UPGRADE) -o $(LOCK) setup.cfg
	$(COMPILE) $(UPGRADE) --extra test -c $(LOCK) -o $(DEV_LOCK) setup.cfg

audit:
	bash .ci/audit-deps.sh

# dist/cabinet-<version>-py3-none-any.whl, with the templates, static files (static/vendor from
# `make assets`), migrations and compiled translations inside (setup.py). Install: docs/DEPLOYMENT.md.
wheel: setup
	rm -rf build dist/cabinet-*.whl
	$(BIN)/pip wheel -q --no-deps -w dist .
	@ls dist/cabinet-*.whl

clean:
	rm -rf $(VENV) $(TOOLS) static/vendor node_modules build dist
