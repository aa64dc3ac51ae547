# Set-up and everyday tasks. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: venv demo test lint bench messages templates document-pictures screenshots clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

## Load the shipped demo data into the command line's default database and print 2018's scores.
## No --db: the database is the one every later command reads (var/scoring.sqlite, or
## $SCORING_DATABASE_URL when set), so `years`, `explain` and `serve` see the demo data.
demo: venv
	$(PY) -m scoring_service import fixtures/demo-2018.bundle.json --replace
	$(PY) -m scoring_service import fixtures/demo-2019.bundle.json --replace
	$(PY) -m scoring_service score --year 2018

## The whole suite, on SQLite and PostgreSQL, a worker per core.
test: venv
	$(PY) -m pytest -q -n auto

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: venv
	$(PY) benchmarks/run.py

## A PNG of each web page from the demo data into docs/screenshots/, at 1366 px and at a
## phone's 390 px (docs/screenshots/phone/) (needs Debian's chromium).
screenshots: venv
	$(PY) -m server.screenshots
	$(PY) -m server.screenshots --width 390 --out docs/screenshots/phone

## Gather the marked messages and add the new ones to the Chinese catalogue (then translate them).
messages: venv
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _ -k N_ -k gettext -k lazy_gettext \
	    -k ngettext:1,2 --no-location --sort-output -o var/messages.pot .
	$(VENV)/bin/pybabel -q update -i var/messages.pot -d scoring_service/i18n/locale \
	    -l zh --no-fuzzy-matching --ignore-obsolete

## The shipped Word templates of the documents, made again from their script.
templates: venv
	$(PY) -m scoring_service.documents.templates.build

## The README's pictures of a letter and a circular (needs LibreOffice and poppler-utils).
document-pictures: venv
	$(PY) -m scoring_service.documents.pictures docs/documents

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
