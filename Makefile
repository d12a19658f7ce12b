# Two commands matter: `make run` (set up and run the app with demo data) and `make test` (the whole suite).
VENV   ?= .venv
PYTHON ?= python3
PORT   ?= 5000
HOST   ?= 127.0.0.1
BIN     = $(VENV)/bin
SERVICES_STATE ?= /tmp/cabinet-test-services

.PHONY: setup assets run test test-only translations clean

setup: $(VENV)/.installed assets

$(VENV)/.installed: setup.cfg pyproject.toml
	bash .ci/system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
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

clean:
	rm -rf $(VENV) static/vendor node_modules
