"""The ingest flow on a real (throwaway) Prefect server: outcomes, idempotency, crashes, S3 faults, no leaks.

Kept to a handful of flow runs (each 1-2 s once the server is up): see shared/docs/prefect-notes.md.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

import college.ingest as ingest_rules
import flows.ingest as ingest_module
from college.cli import app
from college.errors import CollegeError
from college.ingest import status
from college.ledger import Ledger
from college.receipts import read_receipt, verify_receipt
from college.signing import digest
from college.preconditions import set_up_store
from college.store import LocalStore
from flows.ingest import ingest
from tests.ingest_world import CANDIDATES, SENTINEL_CANDIDATE, SENTINEL_FIGURES, make_college, put_at
from tests.leakscan import prefect_database, scan_files, scan_sqlite
from tests.test_store import aws, make_s3, moto_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("prefect_server")

NOW = datetime.now(UTC)
DEADLINE = NOW - timedelta(minutes=5)
ON_TIME = NOW - timedelta(hours=1)


@pytest.fixture
def world(tmp_path, monkeypatch):
    college = make_college(tmp_path, bodies=6, deadline=DEADLINE)
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    store = LocalStore(tmp_path / "store")
    set_up_store(store, college.contest.id, NOW)  # as `college store init` does
    return college, store


def fill_inbox(college, store) -> dict[str, bytes]:
    """One of each outcome; bad files first, so that the good ones after them must still get through."""
    first = college.sealed("society-02")
    files = {
        "garbage": b"%PDF-1.7 not a return",
        "stranger": college.sealed("society-05", signer=college.keys["society-06"]),
        "society-03": college.sealed("society-03", papers_returned=1),
        "society-01": college.sealed("society-01"),
        "society-02": first,
        "society-01-dup": None,
        "society-02-fixed": college.sealed("society-02", spoilt=3_119_477),
        "society-04": college.sealed("society-04"),
    }
    files["society-01-dup"] = files["society-01"]
    for number, (label, data) in enumerate(files.items()):
        at = NOW if label == "society-04" else ON_TIME + timedelta(minutes=number)
        put_at(store, f"inbox/{number:02d}-{label}.sealed", data, at)
    return files


def every_receipt_verifies(college, store) -> dict[str, str]:
    ledger = Ledger(store)
    outcomes = {}
    for key in store.list("receipts/"):
        data = store.get(key)
        assert verify_receipt(data, college.receipt_key.public_key(), ledger) == [], key
        receipt = read_receipt(data).receipt
        outcomes[receipt.received.sha256] = receipt.outcome
    return outcomes


def nothing_lost(store, submitted) -> None:
    for data in submitted:
        assert store.get(f"received/{digest(data)}") == data


def no_entry_twice(store) -> None:
    entries = Ledger(store).entries()
    keys = [e.once_key for e in entries if e.once_key]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert Counter(e.object_hash for e in entries if e.event == "received").most_common(1)[0][1] == 1
    assert Ledger(store).verify() == []


def test_ingest_keeps_checks_records_and_acknowledges_everything_and_a_second_run_changes_nothing(world):
    college, store = world
    files = fill_inbox(college, store)
    result = CliRunner().invoke(app, ["ingest", str(college.contest_file), "--store", str(store.root)])
    assert result.exit_code == 0, result.output

    sha = {label: digest(data) for label, data in files.items()}
    report = status(college.contest, Ledger(store).entries())
    bodies = {b.body: b for b in report.bodies}
    assert {b: s.state for b, s in bodies.items()} == {
        "society-01": "accepted", "society-02": "accepted", "society-03": "rejected",
        "society-04": "late", "society-05": "rejected", "society-06": "missing",
    }
    assert bodies["society-01"].duplicates == 1 and bodies["society-01"].counting == sha["society-01"]
    assert bodies["society-02"].superseded == [sha["society-02"]] and bodies["society-02"].counting == sha["society-02-fixed"]
    assert bodies["society-03"].rejected[0].reasons[0].startswith("returned-arithmetic")
    assert bodies["society-05"].rejected[0].reasons[0].startswith("key-id")
    assert [u.submission for u in report.unattributed] == [sha["garbage"]]
    assert bodies["society-04"].late == [sha["society-04"]]

    outcomes = every_receipt_verifies(college, store)
    assert outcomes == {
        sha["garbage"]: "rejected", sha["stranger"]: "rejected", sha["society-03"]: "rejected",
        sha["society-01"]: "accepted", sha["society-02"]: "accepted", sha["society-02-fixed"]: "accepted",
        sha["society-04"]: "late",
    }
    nothing_lost(store, files.values())
    no_entry_twice(store)

    entries = Ledger(store).entries()
    receipts = {key: store.get(key) for key in store.list("receipts/")}
    summary = ingest(str(college.contest_file), store.uri)
    assert summary == {"accepted": 2, "rejected": 2, "late": 1, "missing": 1}
    assert Ledger(store).entries() == entries
    assert {key: store.get(key) for key in store.list("receipts/")} == receipts


def test_a_crash_anywhere_is_finished_by_running_again_without_duplicating_anything(world, monkeypatch):
    college, store = world
    files = fill_inbox(college, store)

    class CrashingLedger(Ledger):
        """Dies just before recording the first supersession: the accepting entry is already in."""

        def append(self, event, **fields):
            if event == "superseded":
                raise RuntimeError("injected crash")
            return super().append(event, **fields)

    monkeypatch.setattr(ingest_module, "Ledger", CrashingLedger)
    with pytest.raises(RuntimeError, match="injected crash"):
        ingest(str(college.contest_file), store.uri)
    assert store.list("receipts/") == []
    monkeypatch.setattr(ingest_module, "Ledger", Ledger)

    signed = []
    real_issue = ingest_rules.issue_receipt

    def crash_after_two_receipts(*args, **kwargs):
        if len(signed) == 2:
            raise RuntimeError("injected crash")
        signed.append(1)
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(ingest_rules, "issue_receipt", crash_after_two_receipts)
    with pytest.raises(RuntimeError, match="injected crash"):
        ingest(str(college.contest_file), store.uri)
    assert len(store.list("receipts/")) == 2
    monkeypatch.setattr(ingest_rules, "issue_receipt", real_issue)

    ingest(str(college.contest_file), store.uri)
    outcomes = every_receipt_verifies(college, store)
    assert len(outcomes) == len(set(files.values()))
    no_entry_twice(store)
    society = next(b for b in status(college.contest, Ledger(store).entries()).bodies if b.body == "society-02")
    assert society.superseded == [digest(files["society-02"])]
    nothing_lost(store, files.values())


def test_s3_throttling_and_failed_puts_during_ingest_are_retried_and_nothing_is_lost(tmp_path, monkeypatch, aws, moto_server):  # noqa: F811
    college = make_college(tmp_path, bodies=8)  # deadline tomorrow: S3 keeps its own clock
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    store = make_s3(moto_server)
    submitted = [college.sealed(body) for body in college.keys]
    submitted.append(submitted[0])  # a duplicate
    submitted.append(college.sealed("society-02"))  # a correction
    for number, data in enumerate(submitted):
        store.put(f"inbox/{number:02d}.sealed", data)

    calls = []

    def every_third_put_fails(**_):
        from tests.test_store import _error_reply

        calls.append(1)
        if len(calls) % 3 == 0:
            return _error_reply(503, "SlowDown") if len(calls) % 2 else _error_reply(500, "InternalError")
        return None

    store.client.meta.events.register_first("before-call.s3.PutObject", every_third_put_fails)
    monkeypatch.setattr(ingest_module, "store_from", lambda uri=None, default=None: store)
    summary = ingest(str(college.contest_file), store.uri)
    assert summary == {"accepted": 8}
    assert len(calls) > 3 * len(submitted)  # the faults were met, many times

    nothing_lost(store, submitted)
    outcomes = every_receipt_verifies(college, store)
    assert Counter(outcomes.values()) == {"accepted": 9}
    no_entry_twice(store)
    assert len(Ledger(store).entries()) == 1 + 9 + 1 + 9 + 1  # the contest anchored; received, duplicate, accepted, superseded


def test_no_figure_of_a_return_reaches_prefect_the_ledger_receipts_status_or_logs(world, caplog, capfd):
    """Sentinel figures (seven digits found nowhere else) and a sentinel candidate name go through
    the real flow; then everything outside the sealed objects is scanned."""
    college, store = world
    caplog.set_level(logging.DEBUG)
    fill_inbox(college, store)
    put_at(store, "inbox/99-bad-name.sealed", college.sealed(
        "society-06", profile=[{"ranking": [f"{SENTINEL_CANDIDATE} II"], "count": 4_821_379, "breakdown": None}]), ON_TIME)
    ingest(str(college.contest_file), store.uri)
    shown = CliRunner().invoke(app, ["status", str(college.contest_file), "--store", str(store.root), "--format", "json"])
    assert shown.exit_code == 0

    # the same figures went through every earlier flow run of this session too
    sealed = [store.root / "received", store.root / "inbox", store.root / "contests"]  # contests/: the public contest file
    hits = scan_files(store.root, [*SENTINEL_FIGURES, *CANDIDATES], skip=sealed)
    hits += scan_files(os.environ["PREFECT_HOME"], [*SENTINEL_FIGURES, SENTINEL_CANDIDATE])
    hits += scan_sqlite(prefect_database(), [*SENTINEL_FIGURES, SENTINEL_CANDIDATE])
    logs = caplog.text + "".join(capfd.readouterr())
    hits += [f"logs: {s}" for s in [*SENTINEL_FIGURES, SENTINEL_CANDIDATE] if s in logs]
    hits += [f"status: {s}" for s in [*SENTINEL_FIGURES, *CANDIDATES] if s in shown.output]
    assert hits == []
    # the scan looked where this run was recorded: its parameters (a path) are in that database
    assert scan_sqlite(prefect_database(), [str(college.contest_file)])
    assert store.list("ledger/") and store.list("receipts/")


def test_a_file_the_store_cannot_give_now_stops_nothing_and_is_received_on_the_next_run(world, monkeypatch, caplog):
    college, store = world
    files = fill_inbox(college, store)
    stuck = "inbox/04-society-02.sealed"  # the first of society-02's two returns

    class Flaky(LocalStore):
        def get(self, key):
            if key == stuck:
                raise CollegeError("S3 did not deliver the object after 5 attempts", field=key)
            return super().get(key)

    monkeypatch.setattr(ingest_module, "store_from", lambda uri=None, default=None: Flaky(store.root))
    caplog.set_level(logging.WARNING)
    ingest(str(college.contest_file), store.uri)
    assert not store.exists(f"receipts/{digest(files['society-02'])}.json")
    assert len(store.list("receipts/")) == len(set(files.values())) - 1  # every other file went through
    assert f"could not receive {stuck} now" in caplog.text

    monkeypatch.setattr(ingest_module, "store_from", lambda uri=None, default=None: store)
    ingest(str(college.contest_file), store.uri)
    outcomes = every_receipt_verifies(college, store)
    assert outcomes[digest(files["society-02"])] == "rejected"
    no_entry_twice(store)
    # made before the correction (as its signature says), so it never replaces it, whenever it is recorded
    society = next(b for b in status(college.contest, Ledger(store).entries()).bodies if b.body == "society-02")
    [rejection] = society.rejected
    assert rejection.submission == digest(files["society-02"]) and rejection.reasons[0].startswith("older-return")
    assert society.counting == digest(files["society-02-fixed"])
