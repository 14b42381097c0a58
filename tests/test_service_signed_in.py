"""The committee's routes attacked by a signed-in member, in process (TestClient): a passkey
answer taken for one thing is good for nothing else, and no form a member can send reaches a 500."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import cbor2
import pytest
from fastapi.testclient import TestClient

from college.declaration import write_declaration
from college.events import DECISION_PROPOSED, DECLARED, SIGNED_IN
from college.folders import DECLARATIONS
from college.ingest import receipt_key
from college.procedure import ReferredTie, open_ties, referred_event, tie_decisions
from college.service import decisions as decisions_module
from college.service import passkeys as passkeys_module
from college.service.app import create_app
from college.service.state import Config
from college.receipts import issue_receipt
from college.reports.publish import write_reports
from college.signing import canonical, digest, private_text
from college.store import LocalStore
from tests.service_world import SoftPasskey, Visitor, _b64url, make_world
from tests.test_reports import small_declaration

BASE = "https://localhost"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """(the world, the app, a factory of visitors) for a service with no returns yet (every body missing)."""
    for name in ("COLLEGE_COUNT_KEY", "COLLEGE_COUNT_KEY_BLOCK", "COLLEGE_RECEIPT_KEY_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    world = make_world(tmp_path / "world", None)
    monkeypatch.setenv("COLLEGE_RECEIPT_KEY", private_text(world.receipt_key))
    config = Config(contest_file=world.contest_file, store=str(tmp_path / "store"), publish_dir=tmp_path / "published",
                    public_url=BASE)
    app = create_app(config)
    def client() -> TestClient:
        return TestClient(app, base_url=BASE, raise_server_exceptions=False, follow_redirects=False)

    def visitor() -> Visitor:
        """A browser of its own: its own cookies, which Visitor keeps (the service's lifespan runs once, below)."""
        made = Visitor(BASE)
        made.client = client()
        return made

    with client():
        yield world, app, visitor


def _header(visitor: Visitor) -> dict[str, str]:
    return {"x-csrf-token": visitor.cookies["college_csrf"], "accept": "application/json"}


def _propose(visitor: Visitor, proposals: dict, **form: str) -> str:
    before = set(proposals)
    answer = visitor.post("/committee/decisions", data={"csrf": visitor.csrf("/committee"), **form})
    assert answer.status_code == 303, answer.text
    (made,) = set(proposals) - before
    return made


def test_a_passkey_answer_for_one_decision_does_not_sign_another(served):
    world, app, visitor = served
    chair = visitor()
    passkey = chair.enrol_and_sign_in(world, "nec-chair")
    proposals = app.state.service.proposals
    app.state.service.ledger.append(**referred_event(ReferredTie(1, ("Ann Example", "Bob Example"))))
    first = _propose(chair, proposals, kind="tie", eliminate="Ann Example")
    second = _propose(chair, proposals, kind="tie", eliminate="Bob Example")
    options = chair.post(f"/committee/decisions/{first}/options", headers=_header(chair))
    assert options.status_code == 200, options.text
    answer = chair.post(f"/committee/decisions/{second}/sign", content=json.dumps(passkey.get(options.json())),
                        headers=_header(chair))
    assert answer.status_code == 422 and answer.json()["rule"] == "challenge", answer.text
    assert proposals[second].signers == [] and proposals[first].signers == []
    # the member can still sign the decision they meant to
    assert chair.sign_decisions(passkey) == 2
    assert [p.signers for p in proposals.values()] == [["nec-chair"], ["nec-chair"]]


def test_a_token_of_any_text_is_refused_never_a_500(served):
    """CSRF tokens and the tellers' link are compared in constant time; a non-ASCII one is a 403, not a TypeError."""
    _, _, visitor = served
    stranger = visitor()
    stranger.get("/upload")
    form = stranger.post("/upload", data={"csrf": "²"}, headers={"accept": "application/json"})
    assert (form.status_code, form.json()["rule"]) == (403, "csrf")
    passkey = stranger.post("/committee/sign-in/options", headers={"x-csrf-token": b"\xc3\xa9", "accept": "application/json",
                                                                   "cookie": "college_csrf=%C3%A9"})
    assert (passkey.status_code, passkey.json()["rule"]) == (403, "csrf")


def test_a_rival_tie_decision_reaching_the_quorum_after_the_tie_is_decided_is_refused(served):
    """Two proposals for one referred tie: once one is recorded the tie is decided, and the other reaching
    the quorum is refused with the rule (it indexed the open ties, now none: a 500)."""
    world, app, visitor = served
    svc = app.state.service
    svc.ledger.append(**referred_event(ReferredTie(1, ("Ann Example", "Bob Example"))))
    members = {member: visitor() for member in ("nec-chair", "cac-chair", "procedures-secretary", "nec-vice-chair")}
    passkeys = {member: client.enrol_and_sign_in(world, member) for member, client in members.items()}
    chair = members["nec-chair"]
    made = {eliminate: _propose(chair, svc.proposals, kind="tie", eliminate=eliminate) for eliminate in ("Ann Example", "Bob Example")}
    for member in ("nec-chair", "cac-chair"):
        for eliminate in ("Ann Example", "Bob Example"):
            _sign(members[member], passkeys[member], made[eliminate])
    assert _sign(members["procedures-secretary"], passkeys["procedures-secretary"], made["Bob Example"]).status_code == 200
    assert open_ties(svc.entries()) == []
    late = _sign(members["nec-vice-chair"], passkeys["nec-vice-chair"], made["Ann Example"])
    assert (late.status_code, late.json()["rule"]) == (409, "decision.subject.round"), late.text
    assert [d.eliminate for d in tie_decisions(svc.entries())] == ["Bob Example"]


def _sign(member: Visitor, passkey, sha: str):
    options = member.post(f"/committee/decisions/{sha}/options", headers=_header(member))
    assert options.status_code == 200, options.text
    return member.post(f"/committee/decisions/{sha}/sign", content=json.dumps(passkey.get(options.json())), headers=_header(member))


def test_checking_receipts_does_not_read_the_whole_ledger_each_time(served, monkeypatch):
    """Each receipt shown is checked against the ledger, whose verification reads every entry from the
    store (on S3, a GET each): done once for many views, not once a view by whoever asks."""
    world, app, visitor = served
    svc = app.state.service
    for number in range(150):
        svc.ledger.append(SIGNED_IN, ids={"member": "nec-chair"}, reasons=[f"sign-in {number}"])
    entry = svc.ledger.append(SIGNED_IN, ids={"member": "nec-chair"}, reasons=["the receipted one"])
    sha = digest(b"some bytes")
    svc.store.put(receipt_key(sha), issue_receipt(world.receipt_key, contest=world.contest.id, received=b"some bytes",
                                                  affiliate=None, received_at=datetime.now(UTC), outcome="recorded", entry=entry))
    reads = []
    real_get = LocalStore.get
    monkeypatch.setattr(LocalStore, "get", lambda self, key: reads.append(key) or real_get(self, key))
    scrutineer = visitor()
    for _ in range(5):
        page = scrutineer.get(f"/submissions/{sha}")
        assert page.status_code == 200 and 'id="verdict" class="good"' in page.text, page.text
    ledger_reads = [key for key in reads if key.startswith("ledger/")]
    assert 152 <= len(ledger_reads) < 2 * 152, len(ledger_reads)


def test_a_passkey_made_and_never_bound_is_forgotten(served, monkeypatch):
    """Anyone reaching the committee's instance can make passkeys (binding one needs a member's signed
    statement): each was held for its browser until the service stopped, without bound."""
    world, app, visitor = served
    monkeypatch.setattr(passkeys_module, "UNBOUND_SECONDS", -1, raising=False)  # every passkey made is out of time at once
    browsers = [visitor() for _ in range(3)]
    for browser in browsers:
        browser.get("/committee/enrol")
        options = browser.post("/committee/enrol/options", data={"member": "nec-chair"}, headers=_header(browser))
        made = browser.post("/committee/enrol", content=json.dumps(SoftPasskey(BASE).create(options.json())), headers=_header(browser))
        assert made.status_code == 200, made.text
    assert len(app.state.service.passkeys._unbound) == 1  # the others were forgotten as the last was made
    for browser in browsers:
        answer = browser.get("/committee/enrol/bind", headers={"accept": "application/json"})
        assert (answer.status_code, answer.json()["rule"]) == (409, "passkey")


def test_proposing_a_decision_already_awaiting_signatures_adds_none(served):
    """A double click on "Propose" made two identical proposals, between which the members' signatures
    could split so that neither reached the quorum."""
    world, app, visitor = served
    svc = app.state.service
    chair = visitor()
    chair.enrol_and_sign_in(world, "nec-chair")
    csrf = chair.csrf("/committee")
    for _ in range(2):
        answer = chair.post("/committee/decisions", data={"csrf": csrf, "kind": "proceed"})
        assert answer.status_code == 303, answer.text
    assert len(svc.proposals) == 1
    assert len([e for e in svc.entries() if e.event == DECISION_PROPOSED]) == 1


def test_the_passkey_script_hears_the_rule_when_a_step_is_refused(served):
    """passkey.js fetches with the browser's default Accept (*/*) and reads the answer as JSON to show the
    member the service's error: a refusal as an HTML page left them "Unexpected token '<'"."""
    world, app, visitor = served
    chair = visitor()
    passkey = chair.enrol_and_sign_in(world, "nec-chair")
    as_script = {"x-csrf-token": chair.cookies["college_csrf"], "accept": "*/*"}
    sha = _propose(chair, app.state.service.proposals, kind="proceed")
    options = chair.post(f"/committee/decisions/{sha}/options", headers=as_script)
    assert chair.post(f"/committee/decisions/{sha}/sign", content=json.dumps(passkey.get(options.json())),
                      headers=as_script).status_code == 200
    again = chair.post(f"/committee/decisions/{sha}/options", headers=as_script)
    assert again.status_code == 409 and again.json() == {"error": "you have signed this decision already", "rule": "signed"}
    stale = chair.post("/committee/sign-in/options", headers={"x-csrf-token": "stale", "accept": "*/*"})
    assert stale.status_code == 403 and stale.json()["rule"] == "csrf"


def test_two_members_signing_at_the_quorum_together_record_the_decision_once(served, monkeypatch):
    """The quorum's last two signatures arrive together: the second, landing while the first is recorded,
    was recorded as another document, refused as "already decided by another decision" (a 409 after the
    decision was taken), and left that document in the store."""
    world, app, visitor = served
    svc = app.state.service
    names = ("nec-chair", "cac-chair", "procedures-secretary", "nec-vice-chair")
    members = {name: visitor() for name in names}
    passkeys = {name: client.enrol_and_sign_in(world, name) for name, client in members.items()}
    sha = _propose(members["nec-chair"], svc.proposals, kind="proceed")
    for name in names[:2]:
        assert _sign(members[name], passkeys[name], sha).status_code == 200
    last = members["nec-vice-chair"]
    options = last.post(f"/committee/decisions/{sha}/options", headers=_header(last))
    answers = []
    real = decisions_module.record

    def record_then_another_signs(service, proposal):
        real(service, proposal)
        if not answers:  # the other member's request is handled while this one has yet to answer
            answers.append(last.post(f"/committee/decisions/{sha}/sign", content=json.dumps(passkeys["nec-vice-chair"].get(options.json())),
                                     headers=_header(last)))

    monkeypatch.setattr(decisions_module, "record", record_then_another_signs)
    first = _sign(members["procedures-secretary"], passkeys["procedures-secretary"], sha)
    assert first.status_code == 200, first.text
    assert answers[0].status_code == 200, answers[0].text
    assert len([e for e in svc.entries() if e.ids.get("kind") == "proceed" and "decision" in e.ids]) == 1
    assert len(svc.store.list("decisions/")) == 1
    assert sha not in svc.proposals


@pytest.mark.parametrize("cose", [{1: 99, 3: -7}, {1: 2, 3: -7, -1: 99, -2: b"", -3: b""},
                                  {1: 2, 3: -7, -1: 1, -2: bytes(32), -3: bytes(32)}],
                         ids=["unknown key type", "unknown curve", "point off the curve"])
def test_a_new_passkey_that_is_no_usable_key_is_refused(served, cose):
    """The library raises some refusals outside InvalidRegistrationResponse (a 500), and passes a key that
    no signature could ever verify with (held, then bound by a statement, then a 500 at each sign-in)."""
    _, _, visitor = served
    browser = visitor()
    browser.get("/committee/enrol")
    options = browser.post("/committee/enrol/options", data={"member": "nec-chair"}, headers=_header(browser))
    answer = SoftPasskey(BASE).create(options.json())
    credential_id = b"abcd"
    authenticator_data = (hashlib.sha256(b"localhost").digest() + bytes([0x45]) + bytes(4) + bytes(16)
                          + len(credential_id).to_bytes(2, "big") + credential_id + cbor2.dumps(cose))
    answer["response"]["attestationObject"] = _b64url(cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data}))
    made = browser.post("/committee/enrol", content=json.dumps(answer), headers=_header(browser))
    assert (made.status_code, made.json()["rule"]) == (422, "credential"), made.text


def test_the_results_are_the_declaration_the_ledger_records_not_one_left_in_the_publish_folder(served, tmp_path):
    """The publish folder (by default `published/` where the service starts, where `college declare --out
    published/` also writes) held a rehearsal's declaration: once the ledger recorded the real one, the
    service showed the rehearsal's as the result, because it wrote the declaration only where none was."""
    _, app, visitor = served
    svc = app.state.service
    rehearsal = small_declaration(dry_run=True)
    write_declaration(rehearsal, svc.config.publish_dir / "declaration.json")
    write_reports(rehearsal, svc.config.publish_dir / "reports")
    real = canonical(small_declaration(declared_by=["The Real Chair", "Vice Chair", "Général Secretary"]).model_dump(mode="json"))
    svc.store.put_content(DECLARATIONS, real)
    svc.ledger.append(DECLARED, object_hash=digest(real), ids={"sealed": "a" * 64}, reasons=["declared"],
                      once_key=f"{DECLARED}:{'a' * 64}")
    public = visitor()
    assert public.get("/results/declaration.json").content == real
    assert "The Real Chair" in public.get("/results/report.json").text
    assert "The Real Chair" in public.get("/results").text


def test_a_passkey_with_the_id_of_one_enrolled_is_refused(served):
    """A member who learnt another's passkey id could enrol a passkey of their own under it: the service
    then found theirs for the other's id, and the other could no longer sign in (WebAuthn: a relying party
    fails a registration whose credential id is registered already)."""
    world, app, visitor = served
    chair, other = visitor(), visitor()
    passkey = chair.enrol_and_sign_in(world, "nec-chair")
    other.get("/committee/enrol")
    options = other.post("/committee/enrol/options", data={"member": "cac-chair"}, headers=_header(other))
    copied = SoftPasskey(BASE, credential_id=passkey.credential_id)
    made = other.post("/committee/enrol", content=json.dumps(copied.create(options.json())), headers=_header(other))
    assert (made.status_code, made.json()["rule"]) == (422, "credential"), made.text
    assert not app.state.service.store.list("passkeys/cac-chair/")
    again = visitor()
    again.get("/committee/sign-in")
    assert again.sign_in(passkey).json()["member"] == "nec-chair"
