# The README's two commands: `make run` and `make test`. Both build .venv from the lock file.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench schemas lock clean chromium poppler postgresql

# uv installs the lock in seconds where pip takes minutes; it prints what it installs.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --python $(BIN)/python --requirement requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps --no-build-isolation --editable .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/college dry-run --faults

test: $(STAMP) chromium poppler postgresql
	$(BIN)/python -m pytest -q

# The browser test drives Debian's headless Chromium: install it when it is missing and
# apt-get is at hand; when it cannot be installed the test skips and says why.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }; } || \
		echo "chromium could not be installed: the browser test will be skipped"; \
	fi

# The PDF tests (the NEC report's pages, each affiliate's ballot paper) render pages with pdftoppm
# (Debian's poppler-utils): installed the same way; without it those tests skip and say why.
poppler:
	@if ! command -v pdftoppm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get install -y -qq poppler-utils >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }; } || \
		echo "poppler-utils could not be installed: the PDF page tests will be skipped"; \
	fi

# The production-topology tests (tests/test_topology.py) start Debian's PostgreSQL server on a
# temporary data directory: install it when it is missing; when it cannot be installed those
# tests skip and say why.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get install -y -qq postgresql >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }; } || \
		echo "postgresql could not be installed: the production-topology tests will be skipped"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

schemas: $(STAMP)
	$(BIN)/python -m college.schemas schemas

# Re-resolve every pin from pyproject.toml (run by hand when a dependency changes).
# Pins already in the lock are kept (-c); only what is new is resolved.
lock: $(STAMP)
	rm -rf /tmp/college-lock && $(BIN)/uv venv --quiet --python $(PYTHON) /tmp/college-lock
	$(BIN)/uv pip install --quiet --python /tmp/college-lock/bin/python -c requirements.lock ".[dev]" "setuptools>=68"
	$(BIN)/uv pip freeze --python /tmp/college-lock/bin/python --exclude-editable | grep -v '^college[ =]' > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV)
