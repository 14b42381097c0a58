"""End to end on a moto S3 server: 40 registered bodies submit through `college submit`, ingest runs
through the Prefect flow, and status, receipts, the ledger and the store account for everything.

Among the submissions: bad returns of the catalogue's kinds (tests/test_return_catalogue.py),
a duplicate, a superseding return, late returns (one admitted by the committee), a file
naming no registered body, and a body that sends nothing.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import tomlkit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from college.cli import app
from college.contest import load_contest
from college.ledger import Ledger
from college.receipts import read_receipt, verify_receipt
from college.returns import seal_payload, signed_payload
from college.signing import digest, public_text
from college.store import store_from
from tests.ingest_world import CANDIDATES, ROWS, SENTINEL_FIGURES, body_ids, make_college
from tests.test_store import aws, make_s3, moto_server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


def tamper(data: bytes) -> bytes:
    envelope = json.loads(data)
    raw = bytearray(base64.b64decode(envelope["ciphertext"]))
    raw[len(raw) // 2] ^= 0x01
    envelope["ciphertext"] = base64.b64encode(bytes(raw)).decode("ascii")
    return json.dumps(envelope).encode()


def cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_forty_bodies_submit_and_every_submission_is_accounted_for(tmp_path, monkeypatch, aws, moto_server):  # noqa: F811
    monkeypatch.setenv("COLLEGE_S3_ENDPOINT_URL", moto_server)
    college = make_college(tmp_path, bodies=40, deadline=datetime.now(UTC) + timedelta(days=1))
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    uri = make_s3(moto_server).uri
    monkeypatch.setenv("COLLEGE_STORE", uri)
    cli("store", "init", college.contest_file)
    ids = body_ids(40)
    body = dict(enumerate(ids, 1)).__getitem__

    # (label, bytes, expected outcome on its receipt, rule of a rejection)
    on_time = [(body(n), college.sealed(body(n)), "accepted", None) for n in range(1, 33)]
    first_32 = on_time[-1][1]
    on_time += [
        ("duplicate of society-31", on_time[30][1], "accepted", None),
        ("society-32 corrected", college.sealed(body(32), spoilt=3_119_477), "accepted", None),
        ("society-33", college.sealed(body(33)), "accepted", None),
        ("arithmetic", college.sealed(body(35), papers_returned=1), "rejected", "returned-arithmetic"),
        ("wrong key", college.sealed(body(36), signer=Ed25519PrivateKey.generate()), "rejected", "key-id"),
        ("tampered", tamper(college.sealed(body(37))), "rejected", "envelope-signature"),
        ("unknown candidate", college.sealed(body(38), profile=[
            {"ranking": ranking if n < 2 else ["Eve Impostor"], "count": count, "breakdown": None}
            for n, (ranking, count) in enumerate(ROWS)]), "rejected", "ranking-unknown-candidate"),
        ("declaration missing", college.sealed(body(39), ineligible=None), "rejected", "declaration-missing"),
        ("not the registered scrutineer", college.sealed(body(34), scrutineer="A. Stand-in"), "rejected", "scrutineer"),
        ("empty envelope", b"{}", "rejected", "envelope-schema"),
        ("unregistered body", seal_payload(
            signed_payload(college.document(body(1), affiliate="shadow-union"), stranger := Ed25519PrivateKey.generate()),
            stranger, public_text(college.count_key), contest=college.contest.id, affiliate="shadow-union"),
         "rejected", "unknown-affiliate"),
    ]
    late = [
        ("society-33 late", college.sealed(body(33)), "late", None),
        ("society-34 late", college.sealed(body(34)), "late", None),
    ]

    def submit(items):
        for _, data, *_ in items:
            path = tmp_path / f"{len(list(tmp_path.glob('*.sealed'))):03d}.sealed"
            path.write_bytes(data)
            if data == b"{}":  # `submit` refuses what is not an envelope; an S3 client can still put it in the inbox
                store_from(uri).put(f"inbox/{path.name}", data)
                continue
            cli("submit", path)

    submit(on_time)
    # The deadline falls between the returns on time and the late ones, by the store's own clock.
    store = store_from(uri)
    last = max(store.stored_at(key) for key in store.list("inbox/"))
    deadline = last + timedelta(seconds=1)
    document = tomlkit.parse(college.contest_file.read_text())
    document["returns_deadline"] = deadline
    college.contest_file.write_text(tomlkit.dumps(document))
    time.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 1.2)
    submit(late)

    ingested = cli("ingest", college.contest_file)
    assert "accepted" in ingested

    everything = on_time + late
    ledger = Ledger(store)
    receipts = {}
    for key in store.list("receipts/"):
        data = store.get(key)
        assert verify_receipt(data, college.receipt_key.public_key(), ledger) == [], key
        receipts[key.split("/")[1].removesuffix(".json")] = read_receipt(data).receipt
    assert len(receipts) == len({digest(data) for _, data, *_ in everything})
    for label, data, outcome, rule in everything:
        receipt = receipts[digest(data)]
        assert receipt.outcome == outcome, label
        if rule:
            assert any(reason.startswith(f"{rule}:") for reason in receipt.reasons), (label, receipt.reasons)
        assert store.get(f"received/{digest(data)}") == data  # nothing lost

    report = json.loads(cli("status", college.contest_file, "--format", "json"))
    states = {b["body"]: b["state"] for b in report["bodies"]}
    expected = {b: "accepted" for b in ids[:33]} | {
        body(34): "late", body(35): "rejected", body(36): "rejected", body(37): "rejected",
        body(38): "rejected", body(39): "rejected", body(40): "missing",
    }
    assert states == expected
    bodies = {b["body"]: b for b in report["bodies"]}
    assert bodies[body(31)]["duplicates"] == 1
    assert bodies[body(32)]["superseded"] == [digest(first_32)]
    assert bodies[body(33)]["late"] == [digest(late[0][1])] and bodies[body(33)]["counting"] == digest(on_time[34][1])
    assert [u["submission"] for u in report["unattributed"]] == [digest(b"{}"), digest(on_time[-1][1])]
    text = cli("status", college.contest_file)
    for secret in [*SENTINEL_FIGURES, *CANDIDATES]:
        assert secret not in text and secret not in json.dumps(report)

    # The committee admits society-34's late return and decides to count without the rest.
    from flows.dry_run import committee_decides

    contest, signed_ledger = load_contest(college.contest_file), Ledger(store, signer=college.receipt_key)
    for kind, given in (("admit", {"submission": digest(late[1][1])}), ("proceed", {})):
        decided = committee_decides(college.member_keys, college.receipt_key, contest, college.contest_file, signed_ledger,
                                    kind, **given)
    assert [v for k, v in decided.ids.items() if k.startswith("missing-")] == ids[34:]
    report = json.loads(cli("status", college.contest_file, "--format", "json"))
    assert {b["body"]: b["state"] for b in report["bodies"]}[body(34)] == "admitted late"
    verified = cli("ledger", "verify", "--key", public_text(college.receipt_key))
    assert "every entry is under a checkpoint the scrutineer signed" in verified
    assert Ledger(store_from(uri)).verify() == []

    # A scrutineer asking again for a receipt gets it at once.
    path = tmp_path / "again.sealed"
    path.write_bytes(on_time[0][1])
    assert "outcome: accepted" in cli("submit", path, "--wait", "5")
