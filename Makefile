# The two commands a newcomer needs: `make demo` and `make test`. `make check` runs every check CI runs.
SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
LOCK := requirements/lock.txt
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test screenshot check lint imports typecheck migrations-check system-deps lock messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(PIP) install --quiet --disable-pip-version-check -c $(LOCK) -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(PIP) install --quiet --disable-pip-version-check -c $(LOCK) -e '.[dev,spark]'
	touch $@

## make demo: install, prepare ./var, create the demo accounts, serve http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/tuopin demo
	$(BIN)/tuopin serve --host 127.0.0.1 --port 8000

## Debian packages the suite needs: Chromium and CJK fonts for the browser tests, gettext for messages, Pango for
## the contest report's PDF (WeasyPrint) and poppler-utils to check it (pdftoppm, pdftotext, pdffonts).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || ! command -v msgfmt >/dev/null \
	  || ! command -v pdftoppm >/dev/null || ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  echo "installing chromium, fonts-noto-cjk, gettext, libpango-1.0-0, libpangoft2-1.0-0, poppler-utils (apt)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk \
	    gettext libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null; \
	fi

## make test: the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: $(DEV_STAMP) system-deps
	$(BIN)/pytest -n 2 --dist loadfile -q

## Refresh the README screenshot from the browser tests.
screenshot: $(DEV_STAMP) system-deps
	TUOPIN_SCREENSHOT_DIR=$(CURDIR)/docs $(BIN)/pytest -q -m browser

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## The import contracts of pyproject.toml ([tool.importlinter]); the suite runs them too.
imports: $(DEV_STAMP)
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

migrations-check: $(DEV_STAMP)
	TUOPIN_DATA_DIR=$$(mktemp -d) $(BIN)/tuopin makemigrations --check --dry-run

check: lint imports typecheck migrations-check test

## Compile the English catalogue (msgids are the Chinese UI strings).
messages: $(DEV_STAMP)
	cd src/tuopin && TUOPIN_DATA_DIR=$$(mktemp -d) ../../$(BIN)/tuopin makemessages -l en --no-obsolete --no-location
	cd src/tuopin && TUOPIN_DATA_DIR=$$(mktemp -d) ../../$(BIN)/tuopin compilemessages -l en

## Re-pin the lock file from what is installed (after a tested upgrade).
lock: $(DEV_STAMP)
	$(PIP) freeze --exclude-editable --exclude tuopin | sort > $(LOCK)

clean:
	rm -rf $(VENV) var
