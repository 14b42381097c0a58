"""`college submit|status|admit|proceed`: what each records and prints, and that none prints a figure.

Ingest runs here as its steps called in order (tests/ingest_world.py), without a Prefect
server; `college ingest` itself, through the real flow, is in tests/test_ingest_flow.py.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from college.cli import app
from college.ledger import Ledger
from college.receipts import verify_receipt
from college.signing import digest
from college.preconditions import set_up_store
from college.store import LocalStore
from tests.ingest_world import CANDIDATES, SENTINEL_FIGURES, ingest_without_prefect, make_college, put_at

NOW = datetime.now(UTC)  # when the module is collected: a slow suite reaches these tests many minutes later
DEADLINE = NOW - timedelta(minutes=5)
# A return says it was made an hour before it is sealed (tests/ingest_world.py), and is refused if made more
# than 10 minutes after its arrival: 30 minutes before NOW leaves 40 minutes between collection and the test.
ON_TIME = NOW - timedelta(minutes=30)


def run(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture
def world(tmp_path, monkeypatch):
    college = make_college(tmp_path, bodies=6, deadline=DEADLINE)
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("COLLEGE_STORE", raising=False)
    store = LocalStore(tmp_path / "store")
    set_up_store(store, college.contest.id, datetime.now(UTC))  # as `college store init` does
    return college, store


@pytest.fixture
def ingested(world):
    """One of each outcome: accepted (and a duplicate of it), superseded, rejected, late, unattributed, missing."""
    college, store = world
    first = college.sealed("society-02", made_at=(ON_TIME - timedelta(minutes=1)).isoformat())  # made before its correction
    files = [
        ("society-01", college.sealed("society-01"), ON_TIME),
        ("society-02", first, ON_TIME + timedelta(minutes=2)),
        ("society-02-fixed", college.sealed("society-02", made_at=(ON_TIME + timedelta(minutes=2)).isoformat()),
         ON_TIME + timedelta(minutes=3)),
        ("society-03", college.sealed("society-03", papers_returned=1), ON_TIME + timedelta(minutes=4)),
        ("society-04", college.sealed("society-04"), NOW),
        ("garbage", b"not a return at all", ON_TIME + timedelta(minutes=5)),
    ]
    files.insert(1, ("society-01-dup", files[0][1], ON_TIME + timedelta(minutes=1)))  # the same bytes again
    for number, (label, data, at) in enumerate(files):
        put_at(store, f"inbox/{number:02d}-{label}.sealed", data, at)
    ingest_without_prefect(college.contest, store)
    return college, store, {label: digest(data) for label, data, _ in files}


def assert_procedure_only(text: str) -> None:
    for secret in [*SENTINEL_FIGURES, *CANDIDATES]:
        assert secret not in text


def test_submit_puts_the_file_in_the_inbox_write_once_and_says_where_the_receipt_will_be(world, tmp_path):
    college, store = world
    sealed = tmp_path / "society-01.sealed"
    sealed.write_bytes(college.sealed("society-01"))
    result = run("submit", sealed, "--store", store.root)
    assert result.exit_code == 0, result.output
    sha = digest(sealed.read_bytes())
    [key] = store.list("inbox/")
    assert re.fullmatch(rf"inbox/\d{{8}}T\d{{12}}Z-{sha[:16]}\.sealed", key)
    assert store.get(key) == sealed.read_bytes()
    assert f"receipts/{sha}.json once ingest has run" in result.output
    assert run("submit", sealed, "--store", store.root).exit_code == 0  # sent again: a second file, one submission
    assert len(store.list("inbox/")) == 2


def test_submit_waits_for_the_receipt_and_prints_it(world, tmp_path):
    college, store = world
    sealed = tmp_path / "society-01.sealed"
    sealed.write_bytes(college.sealed("society-01"))
    waited = run("submit", sealed, "--store", store.root, "--wait", "0.2")
    assert waited.exit_code == 1 and "once ingest has run" in waited.output  # nothing ran ingest

    put_at(store, "inbox/0-early.sealed", sealed.read_bytes(), ON_TIME)
    ingest_without_prefect(college.contest, store)
    result = run("submit", sealed, "--store", store.root, "--wait", "5", env={"COLLEGE_STORE": ""})
    assert result.exit_code == 0, result.output
    assert "outcome: accepted" in result.output
    receipt = result.output[result.output.index("{"):]
    assert verify_receipt(receipt.encode(), college.receipt_key.public_key(), Ledger(store)) == []
    assert_procedure_only(result.output)


def test_submit_refuses_what_it_cannot_read_in_one_line(world, tmp_path):
    _, store = world
    missing = run("submit", tmp_path / "nothing.sealed", "--store", store.root)
    empty = tmp_path / "empty.sealed"
    empty.write_bytes(b"")
    for result in (missing, run("submit", empty, "--store", store.root), run("submit", empty)):
        assert result.exit_code == 2 and result.output.count("\n") == 1 and result.output.startswith("error: ")


def test_status_shows_each_bodys_procedural_state_and_no_figures(ingested):
    college, store, sha = ingested
    table = run("status", college.contest_file, "--store", store.root)
    assert table.exit_code == 0, table.output
    assert_procedure_only(table.output)
    assert "returned-arithmetic" in table.output and "missing: society-03, society-04, society-05, society-06" in table.output
    assert f"late society-04 {sha['society-04']}" in table.output

    result = run("status", college.contest_file, "--store", store.root, "--format", "json")
    assert result.exit_code == 0, result.output
    assert_procedure_only(result.output)
    report = json.loads(result.output)
    bodies = {b["body"]: b for b in report["bodies"]}
    assert {body: b["state"] for body, b in bodies.items()} == {
        "society-01": "accepted", "society-02": "accepted", "society-03": "rejected",
        "society-04": "late", "society-05": "missing", "society-06": "missing",
    }
    assert bodies["society-01"]["received"] == [sha["society-01"]] and bodies["society-01"]["duplicates"] == 1
    assert bodies["society-02"]["superseded"] == [sha["society-02"]]
    assert bodies["society-02"]["counting"] == sha["society-02-fixed"]
    [rejection] = bodies["society-03"]["rejected"]
    assert rejection["submission"] == sha["society-03"] and rejection["reasons"][0].startswith("returned-arithmetic")
    assert bodies["society-04"]["late"] == [sha["society-04"]] and bodies["society-04"]["counting"] is None
    assert report["unattributed"][0]["submission"] == sha["garbage"]
    assert report["missing"] == ["society-03", "society-04", "society-05", "society-06"]
    assert all(b["expected"] for b in report["bodies"])
