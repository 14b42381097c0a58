"""The ledger: a hash chain of write-once entries that concurrent appenders never fork,
and whose verification names the position of every kind of tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from college.cli import app
from college.errors import CollegeError
from college.ledger import GENESIS, Ledger, entry_hash, entry_key
from college.signing import canonical
from college.store import LocalStore, Store
from tests.test_store import aws, make_s3, moto_server, store  # noqa: F401  (fixtures)

HASH = "ab" * 32


def fill(ledger: Ledger, n: int) -> None:
    for i in range(n):
        ledger.append("received", body=f"body-{i}", object_hash=HASH, reasons=[f"rule {i}"], ids={"run": "test"})


# --- tampering, as someone with write access to the store's files or bucket would do it ---------


def raw_write(store: Store, key: str, data: bytes) -> None:
    """Write past the store's write-once rule: a local file made writable, or an S3 put without the condition."""
    if isinstance(store, LocalStore):
        path = store.root / key
        if path.exists():
            path.chmod(0o644)
        path.write_bytes(data)
    else:
        store.client.put_object(Bucket=store.bucket, Key=f"{store.prefix}/{key}", Body=data)


def raw_delete(store: Store, key: str) -> None:
    if isinstance(store, LocalStore):
        (store.root / key).unlink()
    else:
        store.client.delete_object(Bucket=store.bucket, Key=f"{store.prefix}/{key}")


def rewrite(fields: dict, **changes) -> bytes:
    """An entry with some fields changed and its hash made right again."""
    fields = {**fields, **changes}
    fields["hash"] = entry_hash(fields)
    return canonical(fields) + b"\n"


def edit_keeping_hash(store, entries):
    fields = json.loads(store.get(entry_key(2)))
    raw_write(store, entry_key(2), canonical({**fields, "event": "accepted"}) + b"\n")


def edit_and_rehash(store, entries):
    raw_write(store, entry_key(2), rewrite(json.loads(store.get(entry_key(2))), reasons=["another rule"]))


def reformat(store, entries):
    raw_write(store, entry_key(2), json.dumps(json.loads(store.get(entry_key(2))), indent=1).encode())


def remove(store, entries):
    raw_delete(store, entry_key(2))


def reorder(store, entries):
    second, third = store.get(entry_key(2)), store.get(entry_key(3))
    raw_write(store, entry_key(2), third)
    raw_write(store, entry_key(3), second)


def insert(store, entries):
    """A well-formed forged entry at position 2, the later ones moved up one place."""
    for position in range(len(entries) - 1, 1, -1):
        raw_write(store, entry_key(position + 1), store.get(entry_key(position)))
    forged = entries[2].model_dump(mode="json") | {"body": "forged", "prev": entries[1].hash}
    raw_write(store, entry_key(2), rewrite(forged))


def append_unlinked(store, entries):
    forged = entries[-1].model_dump(mode="json") | {"position": len(entries), "prev": GENESIS}
    raw_write(store, entry_key(len(entries)), rewrite(forged))


def add_foreign(store, entries):
    raw_write(store, "ledger/notes.txt", b"hello")


def garble(store, entries):
    raw_write(store, entry_key(2), b"{not json")


def unknown_event(store, entries):
    """The last entry rewritten to record an event the ledger does not know, its hash and link made right."""
    raw_write(store, entry_key(5), rewrite(entries[5].model_dump(mode="json"), event="recounted-quietly"))


TAMPERING = {
    "edited": (edit_keeping_hash, [(2, "edited")]),
    "edited, hash recomputed": (edit_and_rehash, [(3, "unlinked")]),
    "reformatted": (reformat, [(2, "edited")]),
    "removed": (remove, [(2, "removed")]),
    "reordered": (reorder, [(2, "moved"), (3, "moved")]),
    "inserted": (insert, [(3, "moved"), (4, "moved"), (5, "moved"), (6, "moved")]),
    "appended off the chain": (append_unlinked, [(6, "unlinked")]),
    "foreign object": (add_foreign, [(None, "foreign")]),
    "garbled": (garble, [(2, "unreadable")]),
    "an event it does not know": (unknown_event, [(5, "unknown-event")]),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_verify_names_each_kind_of_tampering_and_where(store, kind):
    ledger = Ledger(store)
    fill(ledger, 6)
    assert ledger.verify() == []
    tamper, expected = TAMPERING[kind]
    tamper(store, ledger.entries())
    assert [(p.position, p.rule) for p in Ledger(store).verify()] == expected


@pytest.mark.parametrize("kind", ["edited", "removed", "reordered", "garbled"])
def test_a_tampered_ledger_is_not_appended_to(tmp_path, kind):
    store = LocalStore(tmp_path)
    fill(Ledger(store), 6)
    TAMPERING[kind][0](store, Ledger(store).entries())
    with pytest.raises(CollegeError, match="college ledger verify"):
        Ledger(store).append("received")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 6), data=st.data())
def test_any_changed_byte_is_found_at_its_position(size, data):
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(folder)
        fill(Ledger(store), size)
        position = data.draw(st.integers(0, size - 1))
        original = store.get(entry_key(position))
        index = data.draw(st.integers(0, len(original) - 1))
        flip = data.draw(st.integers(1, 255))
        raw_write(store, entry_key(position), original[:index] + bytes([original[index] ^ flip]) + original[index + 1 :])
        problems = Ledger(store).verify()
        assert problems and problems[0].position == position


# --- the chain ------------------------------------------------------------------------------------


def test_appends_form_a_chain_stored_one_object_per_entry(store):
    ledger = Ledger(store)
    assert ledger.head() is None and ledger.entries() == [] and ledger.verify() == []
    fill(ledger, 5)
    entries = ledger.entries()
    assert [e.position for e in entries] == [0, 1, 2, 3, 4]
    assert entries[0].prev == GENESIS
    assert all(later.prev == earlier.hash for earlier, later in zip(entries, entries[1:]))
    assert all(e.hash == entry_hash(e.model_dump(mode="json")) for e in entries)
    assert store.list("ledger/") == [entry_key(p) for p in range(5)]
    assert ledger.head() == entries[-1]
    lines = ledger.export_jsonl().decode().splitlines()
    assert [json.loads(line)["hash"] for line in lines] == [e.hash for e in entries]
    assert Ledger(store).entries() == entries  # another reader sees the same chain


def test_an_entry_holds_procedure_only(tmp_path):
    ledger = Ledger(LocalStore(tmp_path))
    with pytest.raises(CollegeError, match="not a valid ledger entry"):
        ledger.append("Received!")
    with pytest.raises(CollegeError, match="not a valid ledger entry"):
        ledger.append("received", object_hash="not a hash")
    with pytest.raises(CollegeError, match="not a valid ledger entry"):
        ledger.append("received", reasons=[""])
    with pytest.raises(TypeError):
        ledger.append("counted", votes=1200)  # no field for figures
    assert ledger.entries() == []


def test_once_key_records_an_event_once_even_across_a_restart(tmp_path):
    store = LocalStore(tmp_path)
    first = Ledger(store).append("received", body="unite", object_hash=HASH, once_key=f"received:{HASH}")
    Ledger(store).append("accepted", body="unite")
    again = Ledger(store).append("received", body="unite", object_hash=HASH, once_key=f"received:{HASH}")
    assert again == first and len(Ledger(store).entries()) == 2
    assert Ledger(store).find(f"received:{HASH}") == first and Ledger(store).find("other") is None


def test_concurrent_appenders_never_fork_the_chain(store):
    appenders, each = 4, 8
    barrier = threading.Barrier(appenders)

    def work(name: str) -> None:
        ledger = Ledger(store)  # one instance each, so they race through the store, not a lock
        barrier.wait()
        for i in range(each):
            ledger.append("received", body=name, ids={"n": str(i)})

    threads = [threading.Thread(target=work, args=(f"body-{t}",)) for t in range(appenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger = Ledger(store)
    assert ledger.verify() == []
    entries = ledger.entries()
    assert len(entries) == appenders * each
    for t in range(appenders):
        assert [e.ids["n"] for e in entries if e.body == f"body-{t}"] == [str(i) for i in range(each)]


def test_one_instance_shared_by_threads_keeps_one_chain(tmp_path):
    ledger = Ledger(LocalStore(tmp_path))
    threads = [threading.Thread(target=fill, args=(ledger, 10)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ledger.entries()) == 40 and Ledger(LocalStore(tmp_path)).verify() == []


def test_racing_appenders_with_one_once_key_record_it_once(store):
    appenders = 6
    barrier = threading.Barrier(appenders)
    results = []

    def work() -> None:
        ledger = Ledger(store)
        barrier.wait()
        ledger.append("received", body="noise")
        results.append(ledger.append("received", body="unite", once_key="the-return"))

    threads = [threading.Thread(target=work) for _ in range(appenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = Ledger(store).entries()
    assert [e.once_key for e in entries].count("the-return") == 1
    assert len({r.position for r in results}) == 1 and len(entries) == appenders + 1


# Each process imports only the store and the ledger, and waits for the others before appending.
APPENDER = """
import os, sys, time
from college.ledger import Ledger
from college.store import store_from
uri, go, name = sys.argv[1:4]
ledger = Ledger(store_from(uri))
while not os.path.exists(go):
    time.sleep(0.01)
print(" ".join(str(ledger.append("received", body=name, ids={"n": str(i)}).position) for i in range(5)))
"""


@pytest.mark.parametrize("backend", ["local", pytest.param("s3-server", marks=pytest.mark.slow)])
def test_appenders_in_separate_processes_never_fork_the_chain(tmp_path, request, backend):
    env = dict(os.environ)
    if backend == "local":
        store = LocalStore(tmp_path / "store")
    else:
        request.getfixturevalue("aws")
        endpoint = request.getfixturevalue("moto_server")
        store = make_s3(endpoint)
        env.update(COLLEGE_S3_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        env["AWS_DEFAULT_REGION"] = "us-east-1"
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, store.uri, str(go), f"process-{i}"], env=env, stdout=subprocess.PIPE, text=True
        )
        for i in range(3)
    ]
    go.touch()
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0]
    ledger = Ledger(store)
    assert ledger.verify() == [] and len(ledger.entries()) == 15
    assert sorted(int(p) for out in outputs for p in out.split()) == list(range(15))
    for i in range(3):
        assert [e.ids["n"] for e in ledger.entries() if e.body == f"process-{i}"] == [str(n) for n in range(5)]


# --- the commands -----------------------------------------------------------------------------------


def test_ledger_commands_verify_and_show(tmp_path):
    store = LocalStore(tmp_path)
    fill(Ledger(store), 4)
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "verify", "--store", str(tmp_path)])
    assert result.exit_code == 0 and "4 entries" in result.output
    shown = runner.invoke(app, ["ledger", "show", "--store", str(tmp_path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "body-3" in shown.output and "rule 3" in shown.output
    jsonl = runner.invoke(app, ["ledger", "show", "--store", str(tmp_path), "--format", "jsonl"])
    assert jsonl.output.encode() == Ledger(store).export_jsonl()
    reorder(store, Ledger(store).entries())
    failed = runner.invoke(app, ["ledger", "verify", "--store", tmp_path.as_uri()])
    assert failed.exit_code == 1
    assert "position 2: moved" in failed.output and "position 3: moved" in failed.output
    assert "Traceback" not in failed.output


def test_an_event_the_ledger_does_not_know_is_refused(tmp_path):
    ledger = Ledger(LocalStore(tmp_path))
    with pytest.raises(CollegeError, match="'recounted-quietly' is not an event the ledger knows"):
        ledger.append("recounted-quietly", object_hash=HASH)
    assert ledger.entries() == []
    fill(ledger, 6)
    unknown_event(ledger.store, ledger.entries())
    failed = CliRunner().invoke(app, ["ledger", "verify", "--store", str(tmp_path)])
    assert failed.exit_code == 1 and "position 5: unknown-event" in failed.output
    assert "recounted-quietly" in failed.output and "Traceback" not in failed.output


def test_ledger_commands_read_the_store_from_the_environment(tmp_path):
    fill(Ledger(LocalStore(tmp_path)), 2)
    result = CliRunner().invoke(app, ["ledger", "verify"], env={"COLLEGE_STORE": str(tmp_path)})
    assert result.exit_code == 0 and "2 entries" in result.output
    missing = CliRunner().invoke(app, ["ledger", "verify"], env={"COLLEGE_STORE": ""})
    assert missing.exit_code == 2 and "COLLEGE_STORE" in missing.output
