# `make run` starts the whole platform; `make test` runs the whole suite.
# Each bootstraps .venv itself from the exact pins in pyproject.toml and constraints.txt.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test venv chromium lint clean-data

run: $(STAMP)
	$(VENV)/bin/rec run

test: $(STAMP) chromium
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

# Browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing chromium with apt-get"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else \
	    echo "make: the tests need Chromium at $(CHROMIUM). Install it: sudo apt-get install -y chromium"; exit 1; \
	  fi; }
	@test -x $(CHROMIUM) || { echo "make: chromium did not install; install it: apt-get install -y chromium"; exit 1; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy server schema

# Deletes the embedded stores' data (var/): the next `make run` starts afresh.
clean-data:
	rm -rf var
