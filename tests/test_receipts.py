"""Receipts: signed by the party's scrutineer, bound to their domain, anchored in the ledger."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from college.cli import app
from college.errors import CollegeError
from college.ledger import Ledger, entry_key
from college.receipts import DOMAIN, Received, issue_receipt, read_receipt, verify_receipt
from college.signing import canonical, digest, key_id, public_text, sign
from college.store import LocalStore
from tests.test_ledger import TAMPERING, raw_delete
from tests.test_store import aws, moto_server, store  # noqa: F401  (fixtures)

SEALED = b"sealed return bytes, exactly as uploaded"
WHEN = datetime(2026, 9, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def scrutineer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def submit(ledger: Ledger, key: Ed25519PrivateKey, data: bytes = SEALED, outcome="accepted", reasons=()) -> bytes:
    """What the ingest does for one submission: record it, then issue the receipt for that entry."""
    ledger.append("received", body="unite", object_hash=digest(data))
    entry = ledger.append(outcome, body="unite", object_hash=digest(data), reasons=reasons)
    return issue_receipt(
        key,
        contest="2026-leader",
        received=data,
        affiliate="unite",
        sender_key_id="0123456789abcdef",
        received_at=WHEN,
        outcome=outcome,
        entry=entry,
        reasons=reasons,
    )


def test_a_receipt_says_what_was_received_and_where_the_ledger_records_it(tmp_path, scrutineer):
    ledger = Ledger(LocalStore(tmp_path))
    data = submit(ledger, scrutineer)
    receipt = read_receipt(data).receipt
    assert receipt.received == Received(sha256=digest(SEALED), size=len(SEALED))
    assert (receipt.sender.affiliate, receipt.sender.key_id) == ("unite", "0123456789abcdef")
    assert receipt.received_at == WHEN and receipt.outcome == "accepted" and receipt.contest == "2026-leader"
    assert (receipt.ledger.position, receipt.ledger.hash) == (1, ledger.head().hash)
    assert receipt.scrutineer_key_id == key_id(scrutineer)
    assert verify_receipt(data, public_text(scrutineer)) == []
    assert verify_receipt(data, scrutineer.public_key(), ledger) == []


def test_a_rejection_carries_its_rules(tmp_path, scrutineer):
    ledger = Ledger(LocalStore(tmp_path))
    reasons = ["arithmetic: returned = valid + spoilt + ineligible + other invalid does not hold"]
    data = submit(ledger, scrutineer, outcome="rejected", reasons=reasons)
    assert read_receipt(data).receipt.reasons == reasons
    assert verify_receipt(data, public_text(scrutineer), ledger) == []


def test_an_altered_receipt_fails_its_signature(tmp_path, scrutineer):
    data = submit(Ledger(LocalStore(tmp_path)), scrutineer, outcome="rejected", reasons=["late"])
    signed = json.loads(data)
    signed["receipt"]["outcome"] = "accepted"
    problems = verify_receipt(json.dumps(signed).encode(), public_text(scrutineer))
    assert len(problems) == 1 and problems[0].startswith("signature:")


def test_a_reformatted_receipt_still_verifies(tmp_path, scrutineer):
    data = submit(Ledger(LocalStore(tmp_path)), scrutineer)
    compact = json.dumps(json.loads(data), separators=(",", ":"), sort_keys=False).encode()
    assert verify_receipt(compact, public_text(scrutineer)) == []


def test_another_key_or_another_domain_does_not_verify(tmp_path, scrutineer):
    data = submit(Ledger(LocalStore(tmp_path)), scrutineer)
    other = Ed25519PrivateKey.generate()
    problems = verify_receipt(data, public_text(other))
    assert [p.split(":")[0] for p in problems] == ["signature", "scrutineer_key_id"]
    # the same receipt signed under another document's domain is not a receipt
    signed = json.loads(data)
    signature = sign(scrutineer, "college-return/1", canonical(signed["receipt"]))
    signed["signature"] = base64.b64encode(signature).decode()
    assert [p.split(":")[0] for p in verify_receipt(json.dumps(signed).encode(), public_text(scrutineer))] == ["signature"]
    assert DOMAIN == "college-receipt/1"


def test_what_is_not_a_receipt_is_named(scrutineer):
    assert verify_receipt(b"{not json", public_text(scrutineer)) == ["receipt: not JSON"]
    problems = verify_receipt(b'{"receipt": {}, "signature": "x"}', public_text(scrutineer))
    assert problems and all(p.startswith("receipt.") for p in problems)
    with pytest.raises(CollegeError, match="--key"):
        verify_receipt(b"{}", "not a key")


@pytest.mark.parametrize("kind", ["edited", "edited, hash recomputed", "removed", "reordered", "inserted"])
def test_the_receipt_finds_its_ledger_tampered(store, scrutineer, kind):
    ledger = Ledger(store)
    for _ in range(2):
        submit(ledger, scrutineer, data=b"an earlier return")
    data = submit(ledger, scrutineer)  # entries 0-3 before it, its own at 5
    for _ in range(2):
        submit(ledger, scrutineer, data=b"a later return")
    assert verify_receipt(data, public_text(scrutineer), ledger) == []
    TAMPERING[kind][0](store, ledger.entries())
    problems = verify_receipt(data, public_text(scrutineer), Ledger(store))
    assert problems and all(p.startswith("ledger") for p in problems)


def test_a_ledger_cut_back_below_the_receipt_is_caught(tmp_path, scrutineer):
    """Removing the last entries leaves a chain that verifies by itself; the receipt anchors it."""
    store = LocalStore(tmp_path)
    ledger = Ledger(store)
    data = submit(ledger, scrutineer)
    raw_delete(store, entry_key(1))
    assert Ledger(store).verify() == []
    assert verify_receipt(data, public_text(scrutineer), Ledger(store)) == [
        "ledger.position: no readable entry at position 1: the ledger was cut back or the entry removed"
    ]


def test_a_ledger_rewritten_from_the_receipts_entry_is_caught(tmp_path, scrutineer):
    store = LocalStore(tmp_path)
    data = submit(Ledger(store), scrutineer)
    for key in store.list("ledger/"):
        raw_delete(store, key)
    Ledger(store).append("received", body="unite")
    Ledger(store).append("rejected", body="unite", reasons=["signature"])
    assert Ledger(store).verify() == []
    problems = verify_receipt(data, public_text(scrutineer), Ledger(store))
    assert problems == ["ledger.hash: the entry at position 1 is not the one this receipt names"]


def test_receipt_verify_command(tmp_path, scrutineer):
    store = LocalStore(tmp_path / "store")
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(submit(Ledger(store), scrutineer))
    key_file = tmp_path / "scrutineer.pub"
    key_file.write_text(public_text(scrutineer) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["receipt", "verify", str(receipt), "--key", public_text(scrutineer)])
    assert result.exit_code == 0 and "the receipt verifies: accepted" in result.output
    anchored = runner.invoke(app, ["receipt", "verify", str(receipt), "--key", str(key_file), "--store", str(tmp_path / "store")])
    assert anchored.exit_code == 0 and "ledger entry is in place" in anchored.output
    wrong = runner.invoke(app, ["receipt", "verify", str(receipt), "--key", public_text(Ed25519PrivateKey.generate())])
    assert wrong.exit_code == 1 and "signature" in wrong.output
    raw_delete(store, entry_key(1))
    cut = runner.invoke(app, ["receipt", "verify", str(receipt), "--key", str(key_file), "--store", str(tmp_path / "store")])
    assert cut.exit_code == 1 and "no readable entry at position 1" in cut.output
    missing = runner.invoke(app, ["receipt", "verify", str(tmp_path / "none.json"), "--key", str(key_file)])
    assert missing.exit_code == 2 and "file not found" in missing.output and "Traceback" not in missing.output


def test_receipt_verify_given_another_file_names_it_in_one_line(tmp_path, scrutineer):
    """The return or the sealed file given for the receipt printed twenty `problem:` lines naming no file."""
    other = tmp_path / "north.json"
    other.write_text('{"format": "college-return/1", "contest": "c", "affiliate": "north"}')
    result = CliRunner().invoke(app, ["receipt", "verify", str(other), "--key", public_text(scrutineer)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"error: {other}: ") and "not a receipt" in result.output
