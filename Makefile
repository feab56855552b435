# Shanzhi — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python 3.12+; take the first one found (PATH, then pyenv's versions).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3; do if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help venv deps setup run serve worker test test-fast lint format messages demo browser-deps bench clean

help:
	@echo "make run    — set up everything (venv, deps, migrations, demo data) and serve http://$(HOST):$(PORT)"
	@echo "make test   — set up and run every test (SQLite; DATABASE_URL=postgres://… for PostgreSQL)"
	@echo "make lint   — ruff"
	@echo "make bench  — benchmarks (see docs/benchmarks.md)"

$(VENV)/.created:
	@test -n "$(PYTHON)" || { echo "Python 3.12+ not found (Django 6 needs it)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

$(VENV)/.deps: $(VENV)/.created requirements.txt requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.created
deps: $(VENV)/.deps

messages: deps
	$(MANAGE) compile_translations -v 0

setup: deps messages
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) createcachetable
	$(MANAGE) load_demo

# Serve the site and run the background worker beside it; Ctrl-C stops both.
run: setup
	@echo "Shanzhi: http://$(HOST):$(PORT)/  (demo logins in README.md)"
	@trap 'kill 0' EXIT INT TERM; \
	$(MANAGE) db_worker --queue-name '*' --interval 1 & \
	$(MANAGE) run_scheduler & \
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

# Chromium, its driver and CJK fonts from Debian's packages, for the browser tests.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; fi; \
	fi

test: deps messages browser-deps
	$(MANAGE) makemigrations --check --dry-run -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: deps messages
	$(PY) -m pytest -m "not browser" -x -q $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: deps
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
