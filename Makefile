# `make run` starts the whole platform; `make test` runs the whole suite.
# Each bootstraps .venv itself from the exact pins in pyproject.toml and constraints.txt.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
# The suite runs in parallel, a test file per worker (pytest-xdist); PYTEST_ARGS= runs it in one.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

.PHONY: run test venv chromium node lint schema clean-data

run: $(STAMP)
	$(VENV)/bin/rec run

test: $(STAMP) chromium node
	$(VENV)/bin/pytest $(PYTEST_ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "make: Python 3.11 or newer is needed as '$(PYTHON)'. Install it (Debian: apt-get install -y python3 python3-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "make: Python's venv module is missing. Install it (Debian: apt-get install -y python3-venv)"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

# What the tests need from the system, installed with apt-get when we are root, else named.
# $(call system_package,check,package,what needs it)
define system_package
	@$(1) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing $(2) with apt-get"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2)) >/dev/null; \
	  else \
	    echo "make: $(3) need $(2). Install it: sudo apt-get install -y $(2)"; exit 1; \
	  fi; }
	@$(1) || { echo "make: $(2) did not install; install it: apt-get install -y $(2)"; exit 1; }
endef

# Browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
chromium:
	$(call system_package,test -x $(CHROMIUM),chromium,the browser tests)

# The examples of docs/api.md in JavaScript run on Debian's Node.js.
node:
	$(call system_package,command -v node >/dev/null,nodejs,the JavaScript examples of docs/api.md)

# schema.graphql, the committed SDL of the GraphQL schema (a test checks it is current).
schema: $(STAMP)
	$(VENV)/bin/python -m schema.export

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy server schema

# Deletes the embedded stores' data (var/): the next `make run` starts afresh.
clean-data:
	rm -rf var
