"""Issue 15 items 4 and 5: signed committee decisions, signed checkpoints, the anchored contest file.

Everything here runs without Prefect: the ingest steps as plain functions over a local store,
decisions recorded by `college.decisions.record_decision`, and the command line for what an
operator or a body runs (`ledger verify`, `ledger checkpoint`, `receipt verify`, `decision ...`).
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomlkit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from college import decisions
from college.anchor import amendments, anchored_hash, check_contest
from college.checkpoints import latest_checkpoint, verify_checkpoints
from college.cli import app
from college.ceremony import MemberKeys
from college.contest import Contest, load_contest
from college.decisions import (
    MemberSignature,
    check_recorded_decisions,
    decision_digest,
    decision_subject,
    propose,
    record_decision,
    register_method,
    sign_ed25519,
    verify_decision,
)
from college.errors import CollegeError
from college.ingest import ADMITTED, status
from college.ledger import Ledger, entry_key
from college.receipts import verify_receipt
from college.signing import digest, public_text, write_private_key
from college.store import LocalStore
from tests.ingest_world import make_college, put_at

MEMBERS = ("procedures-secretary", "nec-chair", "nec-vice-chair", "org-sub-chair")


def on_time() -> datetime:
    """When a return on time is received: after it was made (an hour before now), before the deadline
    (five minutes before the fixture's now), however long the suite has run."""
    return datetime.now(UTC) - timedelta(minutes=30)


class Committee:
    """An ingest world whose contest file names a committee of four, quorum three, with their keys."""

    def __init__(self, tmp_path: Path, monkeypatch):
        self.college = make_college(tmp_path, bodies=4, deadline=datetime.now(UTC) - timedelta(minutes=5))
        self.keys = {member: MemberKeys.generate() for member in MEMBERS}
        data = tomlkit.parse(self.college.contest_file.read_text())
        data["committee"] = {
            "quorum": 3,
            "members": [self.keys[m].member(m, f"Member {m}", "role").model_dump() for m in MEMBERS],
        }
        self.contest_file = self.college.contest_file
        self.contest_file.write_text(tomlkit.dumps(data))
        self.contest = load_contest(self.contest_file)
        self.store = LocalStore(tmp_path / "store")
        self.receipt_key = self.college.receipt_key
        for name, value in self.college.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("COLLEGE_STORE", raising=False)

    def ledger(self, signed: bool = True) -> Ledger:
        return Ledger(self.store, signer=self.receipt_key if signed else None)

    def ingest(self, *files: tuple[str, bytes, datetime]) -> None:
        from college import ingest as rules
        from flows import ingest as steps

        for name, data, at in files:
            put_at(self.store, f"inbox/{name}", data, at)
        ledger = self.ledger()
        check_contest(ledger, self.contest, self.contest_file.read_bytes(), str(self.contest_file))
        rules.record_arrivals(ledger, [steps.receive(self.store, key) for key in rules.new_inbox_keys(ledger, self.store)])
        pending = rules.undecided(ledger)
        rules.record_outcomes(self.contest, ledger, steps.check.fn(self.store, self.contest, pending) if pending else [])
        rules.issue_receipts(self.contest, ledger, self.store, self.receipt_key)

    def decide(self, kind: str, members=MEMBERS[:3], contest: Contest | None = None, contest_bytes: bytes | None = None, **given):
        contest = contest or self.contest
        ledger = self.ledger()
        signed = propose(contest, kind, decision_subject(kind, contest, ledger, **given), ledger)
        for member in members:
            signed = sign_ed25519(signed, contest.committee.member(member), self.keys[member].signing)
        entry = record_decision(ledger, contest, contest_bytes or self.contest_file.read_bytes(), signed, self.receipt_key)
        return signed, entry


@pytest.fixture
def committee(tmp_path, monkeypatch) -> Committee:
    return Committee(tmp_path, monkeypatch)


@pytest.fixture
def decided(committee) -> Committee:
    """Two bodies on time, one late, one missing; the committee admits the late one and proceeds."""
    c = committee.college
    committee.ingest(
        ("1.sealed", c.sealed("society-01"), on_time()),
        ("2.sealed", c.sealed("society-02"), on_time()),
        ("3.sealed", c.sealed("society-03"), datetime.now(UTC)),  # late
    )
    late = next(e.object_hash for e in committee.ledger().entries() if e.event == "late")
    committee.decide("admit", submission=late)
    committee.decide("proceed")
    return committee


# --- the signed decision ------------------------------------------------------------------


def test_a_decision_needs_the_quorum_of_good_signatures(committee):
    ledger = committee.ledger()
    committee.ingest()
    signed = propose(committee.contest, "amend", {"from": "0" * 64, "to": "1" * 64, "reason": "r"}, ledger)
    members = {m.id: m for m in committee.contest.committee.members}
    assert verify_decision(signed, committee.contest)[-1].endswith("0 good signatures, the committee's quorum is 3")
    for member in MEMBERS[:2]:
        signed = sign_ed25519(signed, members[member], committee.keys[member].signing)
    assert verify_decision(signed, committee.contest)[-1].endswith("2 good signatures, the committee's quorum is 3")
    with pytest.raises(CollegeError, match="already signed"):
        sign_ed25519(signed, members[MEMBERS[0]], committee.keys[MEMBERS[0]].signing)
    with pytest.raises(CollegeError, match="not the signing key registered"):
        sign_ed25519(signed, members[MEMBERS[2]], committee.keys[MEMBERS[3]].signing)
    whole = sign_ed25519(signed, members[MEMBERS[2]], committee.keys[MEMBERS[2]].signing)
    assert verify_decision(whole, committee.contest) == []
    # the content changed after signing: every signature fails
    altered = whole.model_copy(update={"decision": whole.decision.model_copy(update={"subject": {"reason": "other"}})})
    assert len(verify_decision(altered, committee.contest)) == 4
    stranger = whole.model_copy(update={"signatures": [*whole.signatures[:2], whole.signatures[2].model_copy(update={"member": "nobody"})]})
    assert "'nobody' is not a member" in verify_decision(stranger, committee.contest)[0]


def test_a_second_kind_of_member_signature_can_be_registered(committee):
    """The web service's passkeys: the challenge is the decision's digest; the evidence travels with it."""
    committee.ingest()
    signed = propose(committee.contest, "amend", {"from": "0" * 64, "to": "1" * 64, "reason": "r"}, committee.ledger())
    challenge = decision_digest(signed.decision)
    assert len(challenge) == 32

    def passkey(member, message, signature):  # a stand-in: a real verifier checks a WebAuthn assertion
        return signature.evidence.get("challenge") == base64.b64encode(message).decode() and member.id in MEMBERS

    register_method("test-passkey", passkey)
    try:
        signatures = [
            MemberSignature(member=m, method="test-passkey", signature="AA==",
                            evidence={"challenge": base64.b64encode(challenge).decode()})
            for m in MEMBERS[:3]
        ]
        assert verify_decision(signed.model_copy(update={"signatures": signatures}), committee.contest) == []
    finally:
        del decisions.METHODS["test-passkey"]
    assert "unknown signature method" in verify_decision(signed.model_copy(update={"signatures": signatures}), committee.contest)[0]


def test_a_recorded_decision_is_stored_receipted_and_recorded_once(decided):
    ledger = decided.ledger()
    entries = ledger.entries()
    admitted = next(e for e in entries if e.event == ADMITTED)
    assert admitted.ids["kind"] == "admit" and admitted.ids["decided-by"].count("Member") == 3
    for entry in (admitted, ledger.find("proceed:ingest-test")):
        sha = entry.ids["decision"]
        assert decided.store.exists(f"decisions/{sha}")
        receipt = decided.store.get(f"receipts/{sha}.json")
        assert verify_receipt(receipt, decided.receipt_key.public_key(), ledger) == []
        assert b'"outcome": "recorded"' in receipt
    check_recorded_decisions(ledger, decided.contest)
    with pytest.raises(CollegeError, match="already decided"):
        decided.decide("proceed", members=MEMBERS[1:])  # another document for a decision already taken


def test_a_decision_is_bound_to_the_ledger_it_was_taken_on(committee, tmp_path):
    committee.ingest(("1.sealed", committee.college.sealed("society-01"), on_time()))
    elsewhere = Ledger(LocalStore(tmp_path / "other"), signer=committee.receipt_key)
    elsewhere.append("received")
    elsewhere.append("received")
    signed = propose(committee.contest, "proceed", {"missing": "x"}, elsewhere)
    for member in MEMBERS[:3]:
        signed = sign_ed25519(signed, committee.contest.committee.member(member), committee.keys[member].signing)
    with pytest.raises(CollegeError, match="taken on another ledger"):
        record_decision(committee.ledger(), committee.contest, committee.contest_file.read_bytes(), signed, committee.receipt_key)


# --- checkpoints and tampering --------------------------------------------------------------


def test_every_append_is_under_a_signed_checkpoint(decided):
    ledger = decided.ledger()
    assert verify_checkpoints(ledger, decided.receipt_key.public_key()) == []
    size = len(ledger.entries())
    assert decided.store.exists(f"checkpoints/{size:08d}.json")
    assert "forged checkpoint" in verify_checkpoints(ledger, Ed25519PrivateKey.generate().public_key())[0]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _delete(store: LocalStore, key: str) -> None:
    path = store.root.joinpath(*key.split("/"))
    path.parent.chmod(0o755)
    os.remove(path)


def test_a_tail_cut_after_the_last_receipt_and_a_forged_decision_are_both_caught(decided, tmp_path):
    """The issue's tampering test: the committee's admission of a late return and its decision to
    proceed are the ledger's tail; cutting them, or appending a forged admission, must be caught."""
    store, public = decided.store, public_text(decided.receipt_key)
    published = tmp_path / "published-checkpoint.json"
    assert run("ledger", "checkpoint", "--store", store.root, "--out", published).exit_code == 0
    assert run("ledger", "verify", "--store", store.root, "--key", public, "--checkpoint", published).exit_code == 0
    entries = decided.ledger().entries()
    last_return_receipt = max(e.position for e in entries if e.once_key and e.once_key.startswith("outcome:"))
    decision_receipts = [f"receipts/{e.ids['decision']}.json" for e in entries if "decision" in e.ids]
    for receipt in decision_receipts:
        (tmp_path / Path(receipt).name).write_bytes(store.get(receipt))

    # 1. Cut the tail after the last return's receipt, checkpoints and all (someone with the store's files).
    for position in range(last_return_receipt + 1, len(entries)):
        _delete(store, entry_key(position))
        _delete(store, f"checkpoints/{position + 1:08d}.json")
    assert Ledger(store).verify() == []  # the chain alone holds: this is what went unseen before
    cut = run("ledger", "verify", "--store", store.root, "--key", public, "--checkpoint", published)
    assert cut.exit_code == 1 and "its tail was cut" in cut.output
    for receipt in decision_receipts:  # the members' receipts for their decisions say so too
        kept = run("receipt", "verify", tmp_path / Path(receipt).name, "--key", public, "--store", store.root)
        assert kept.exit_code == 1 and "cut back" in kept.output

    # 2. Append a forged admission without the scrutineer's key or the members' signatures.
    late = next(e.object_hash for e in entries if e.event == "late")
    forged = Ledger(store).append(ADMITTED, body="society-03", object_hash=late, reasons=["admitted by the committee"],
                                  ids={"kind": "admit", "decided-by": "Procedures Committee"})
    caught = run("ledger", "verify", "--store", store.root, "--key", public)
    assert caught.exit_code == 1 and f"entries {forged.position} to {forged.position}" in caught.output
    with pytest.raises(CollegeError, match="no signed document behind it"):
        check_recorded_decisions(Ledger(store), decided.contest)


def test_a_signed_decision_backs_only_the_entry_it_decided(decided):
    """Someone who can write the store but holds no member's key cites a real signed decision
    behind a forged entry: the admission of another return, or the same admission again."""
    entries = decided.ledger().entries()
    admission = next(e for e in entries if e.event == ADMITTED)
    cited = {"kind": "admit", "decision": admission.ids["decision"], "decided-by": admission.ids["decided-by"]}
    check_recorded_decisions(decided.ledger(), decided.contest)
    other = next(e for e in entries if e.event == "accepted")
    forged = Ledger(decided.store).append(ADMITTED, body=other.body, object_hash=other.object_hash,
                                          reasons=["admitted by the committee"], ids=cited)
    with pytest.raises(CollegeError, match=f"position {forged.position}.*not what the signed document decided"):
        check_recorded_decisions(Ledger(decided.store), decided.contest)


def test_a_signed_decision_cited_twice_is_caught(decided):
    admission = next(e for e in decided.ledger().entries() if e.event == ADMITTED)
    again = Ledger(decided.store).append(ADMITTED, body=admission.body, object_hash=admission.object_hash,
                                         reasons=list(admission.reasons), ids=dict(admission.ids))
    with pytest.raises(CollegeError, match=f"position {again.position}.*already backs ledger position {admission.position}"):
        check_recorded_decisions(Ledger(decided.store), decided.contest)


def test_a_checkpoint_signed_by_another_key_is_caught(decided):
    ledger = decided.ledger()
    Ledger(decided.store, signer=Ed25519PrivateKey.generate()).append("received")
    problems = verify_checkpoints(ledger, decided.receipt_key.public_key())
    assert any("forged checkpoint" in p for p in problems)
    assert latest_checkpoint(ledger) is not None


def test_a_checkpoint_kept_under_another_sizes_name_is_caught(decided):
    # Someone who can write the store copies an old, genuinely signed checkpoint to a name that sorts
    # last: it was taken as the latest and published to the bodies, hiding every entry after it.
    ledger = decided.ledger()
    old = decided.store.get("checkpoints/00000001.json")
    decided.store.put("checkpoints/99999999.json", old)
    problems = verify_checkpoints(ledger, decided.receipt_key.public_key())
    assert any("99999999.json" in p and "signed a ledger of 1 entries" in p for p in problems), problems
    assert latest_checkpoint(ledger) == decided.store.get(f"checkpoints/{len(ledger.entries()):08d}.json")


# --- the anchored contest file ----------------------------------------------------------------


def test_a_changed_contest_file_is_refused_until_a_signed_amendment_covers_it(decided, tmp_path):
    original = decided.contest_file.read_bytes()
    ledger = decided.ledger()
    assert anchored_hash(ledger.entries()) == digest(original)
    data = tomlkit.parse(original.decode())
    data["returns_deadline"] = decided.contest.returns_deadline + timedelta(days=3)  # moved after returns were accepted
    decided.contest_file.write_text(tomlkit.dumps(data))
    moved = load_contest(decided.contest_file)
    with pytest.raises(CollegeError, match="differs from the contest file anchored"):
        check_contest(ledger, moved, decided.contest_file.read_bytes(), str(decided.contest_file))

    # An amendment signed by a committee the new file brings along is refused: it is judged by the old one.
    impostors = {m: MemberKeys.generate() for m in MEMBERS}
    forged = tomlkit.parse(decided.contest_file.read_text())
    forged["committee"]["members"] = [impostors[m].member(m, f"Member {m}", "role").model_dump() for m in MEMBERS]
    forged_file = tmp_path / "forged.toml"
    forged_file.write_text(tomlkit.dumps(forged))
    forged_contest = load_contest(forged_file)
    signed = propose(forged_contest, "amend", decision_subject("amend", forged_contest, ledger, to=digest(forged_file.read_bytes()),
                                                               reason="extend"), ledger)
    for member in MEMBERS[:3]:
        signed = sign_ed25519(signed, forged_contest.committee.member(member), impostors[member].signing)
    with pytest.raises(CollegeError, match="does not verify"):
        record_decision(ledger, forged_contest, forged_file.read_bytes(), signed, decided.receipt_key)

    decided.decide("amend", contest=moved, contest_bytes=decided.contest_file.read_bytes(),
                   to=digest(decided.contest_file.read_bytes()), reason="deadline extended by three days")
    check_contest(ledger, moved, decided.contest_file.read_bytes(), str(decided.contest_file))  # now accepted
    with pytest.raises(CollegeError, match="differs"):
        check_contest(ledger, load_contest(decided.contest_file), original, "the old file")
    [amendment] = amendments(ledger.entries())
    assert amendment.reason.endswith("deadline extended by three days") and amendment.previous == digest(original)
    report = status(moved, ledger.entries())
    assert report.contest_file == digest(decided.contest_file.read_bytes()) and len(report.amendments) == 1
    check_recorded_decisions(ledger, moved)
    from college.procedure import procedural_record

    listed = [d for d in procedural_record(moved, ledger.entries()).decisions if d.subject == "amend"]  # the NEC report's
    assert len(listed) == 1 and listed[0].decision.endswith("deadline extended by three days")

    # A second amendment, which changes the committee itself, is judged by the committee of the file it amends;
    # the decisions recorded before it still hold, each judged by the committee that took it.
    renewed = {m: MemberKeys.generate() for m in MEMBERS}
    data = tomlkit.parse(decided.contest_file.read_text())
    data["committee"]["members"] = [renewed[m].member(m, f"Member {m}", "role").model_dump() for m in MEMBERS]
    decided.contest_file.write_text(tomlkit.dumps(data))
    second = load_contest(decided.contest_file)
    signed = propose(second, "amend", decision_subject("amend", second, ledger, to=digest(decided.contest_file.read_bytes()),
                                                       reason="a new committee"), ledger)
    for member in MEMBERS[:3]:  # the committee in office signs: the one of the file it amends
        signed = sign_ed25519(signed, moved.committee.member(member), decided.keys[member].signing)
    record_decision(ledger, second, decided.contest_file.read_bytes(), signed, decided.receipt_key)
    check_contest(ledger, second, decided.contest_file.read_bytes(), str(decided.contest_file))
    check_recorded_decisions(ledger, second)
    assert len(amendments(ledger.entries())) == 2
    shown = run("status", decided.contest_file, "--store", decided.store.root)
    assert "amended (ledger position" in shown.output and "deadline extended by three days" in shown.output


def test_the_decision_commands_take_a_decision_from_proposal_to_record(committee, tmp_path, monkeypatch):
    c = committee.college
    committee.ingest(("1.sealed", c.sealed("society-01"), on_time()))
    decision = tmp_path / "proceed.json"
    store = committee.store.root
    assert run("decision", "proceed", committee.contest_file, "--out", decision, "--store", store).exit_code == 0
    monkeypatch.setenv("COLLEGE_KEY_PASSPHRASE", "member passphrase")
    for member in MEMBERS[:3]:
        key_file = tmp_path / f"{member}.signing.key"
        write_private_key(key_file, committee.keys[member].signing, "member passphrase")
        signed = run("decision", "sign", decision, "--contest", committee.contest_file, "--member", member, "--signing-key", key_file)
        assert signed.exit_code == 0, signed.output
    assert "the quorum has signed" in signed.output
    recorded = run("decision", "record", committee.contest_file, decision, "--store", store)
    assert recorded.exit_code == 0, recorded.output
    assert "count without missing returns" in recorded.output and "receipt" in recorded.output
    assert committee.ledger().find("proceed:ingest-test").ids["decision"] == digest(decision.read_bytes().strip())
    again = run("decision", "proceed", committee.contest_file, "--out", tmp_path / "again.json", "--store", store)
    assert again.exit_code == 0  # bodies are still missing; recording a second document is what is refused
    refused = run("decision", "record", committee.contest_file, tmp_path / "again.json", "--store", store)
    assert refused.exit_code == 2 and "0 good signatures" in refused.output and refused.output.count("\n") == 1


@pytest.mark.parametrize("label", ["on time", "rejected", "never received"])
def test_only_a_late_or_flagged_return_can_be_admitted(committee, label):
    c = committee.college
    committee.ingest(("1.sealed", c.sealed("society-01"), on_time()),
                     ("2.sealed", c.sealed("society-02", papers_returned=1), on_time()))
    entries = committee.ledger().entries()
    sha = {"on time": next(e.object_hash for e in entries if e.event == "accepted"),
           "rejected": next(e.object_hash for e in entries if e.event == "rejected"), "never received": "ab" * 32}[label]
    with pytest.raises(CollegeError, match="is not a late or flagged return"):
        committee.decide("admit", submission=sha)


def test_proceeding_waits_for_the_deadline_and_needs_someone_missing(tmp_path, monkeypatch):
    early = Committee(tmp_path, monkeypatch)
    data = tomlkit.parse(early.contest_file.read_text())
    data["returns_deadline"] = datetime.now(UTC) + timedelta(days=1)
    early.contest_file.write_text(tomlkit.dumps(data))
    early.contest = load_contest(early.contest_file)
    early.ingest()
    with pytest.raises(CollegeError, match="has not passed"):
        early.decide("proceed")
    c = early.college
    early.ingest(*((f"{n}.sealed", c.sealed(body), on_time()) for n, body in enumerate(c.keys)))
    with pytest.raises(CollegeError, match="nothing to decide"):
        early.decide("proceed")
