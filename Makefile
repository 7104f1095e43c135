# Two commands for a fresh machine (see README.md):
#   make run    set up, start the sync server (embedded PostgreSQL, demo data) and open the desktop app
#   make test   set up, then ruff, mypy and the whole test suite (installs nginx for the
#               reverse-proxy tests when it is missing and this user may)
#   make bundle the desktop app as a one-folder PyInstaller bundle in dist/ticketdesk/
#               (make bundle-server: the sync server in dist/ticketdesk-server/)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint server setup clean bundle bundle-server

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_demo.py

server: $(STAMP)
	$(BIN)/python -m sync_server serve

lint: $(STAMP)
	$(BIN)/ruff check ticketing sync_server desktop tests bench scripts
	$(BIN)/ruff format --check ticketing sync_server desktop tests bench scripts
	$(BIN)/mypy

test: lint
	sh scripts/test_tools.sh
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm build.spec -- --only desktop
	QT_QPA_PLATFORM=offscreen dist/ticketdesk/ticketdesk --self-check

bundle-server: $(STAMP)
	$(BIN)/pyinstaller --noconfirm build.spec -- --only server

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
