"""The leak scanner sees what Prefect persists: a canary that must leak, and a task that must not.

If the canary stops being found, the scanner (not Prefect) is broken, and every leak
test that relies on it proves nothing.
"""

import logging
import os
from pathlib import Path

from prefect import flow, task

from tests.leakscan import prefect_database, scan_files, scan_sqlite

CANARY = "canary-7d1f3a-4471"
QUIET = "quiet-9b2e55-1830"


@task(persist_result=True)
def leaks(value: str) -> str:
    return f"figure {value}"


@task(persist_result=False)
def keeps_quiet(value: str) -> str:
    return f"figure {value}"


@flow
def canary_flow(label: str) -> None:
    leaks(CANARY)
    keeps_quiet(QUIET)


def test_scanner_finds_a_persisted_result_and_nothing_of_an_unpersisted_one(prefect_server, caplog):
    caplog.set_level(logging.DEBUG)
    canary_flow("procedure only")
    home = Path(os.environ["PREFECT_HOME"])
    hits = scan_files(home, [CANARY, QUIET]) + scan_sqlite(prefect_database(), [CANARY, QUIET])
    hits += [f"log: {s}" for s in (CANARY, QUIET) if s in caplog.text]
    assert any(CANARY in hit for hit in hits), "the scanner missed a pickled, base64-encoded result"
    assert not [hit for hit in hits if QUIET in hit]
