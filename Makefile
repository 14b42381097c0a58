# The README's two commands: `make run` and `make test`. Both build .venv from the lock file.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench schemas lock clean chromium

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/college dry-run --faults

test: $(STAMP) chromium
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

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

schemas: $(STAMP)
	$(BIN)/python -m college.schemas schemas

# Re-resolve every pin from pyproject.toml (run by hand when a dependency changes).
lock:
	rm -rf /tmp/college-lock && $(PYTHON) -m venv /tmp/college-lock
	/tmp/college-lock/bin/pip install --quiet ".[dev]" "setuptools>=68"
	/tmp/college-lock/bin/pip freeze --all --exclude college --exclude pip > requirements.lock

clean:
	rm -rf $(VENV)
