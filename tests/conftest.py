"""Shared fixtures. Prefect's home is set before anything imports prefect (see shared/docs/prefect-notes.md)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="pf-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI must be deterministic (a flaky test fails a submission): the same examples every run,
# and no per-example deadline on a loaded 2-core machine.
settings.register_profile("college", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("college")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def prefect_server():
    """A throwaway Prefect server for the few tests that run real flows (shared/docs/prefect-notes.md)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
