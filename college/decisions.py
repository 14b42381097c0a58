"""The Procedures Committee's decisions, signed by the members who took them.

Issue 15 items 4 and 5. A decision (admit a late or flagged return, proceed without the
missing returns, decide a tie referred to the committee, amend the contest file) is a
document the members sign; it counts only with the signatures of at least the
committee's quorum, each verified with the member's registered key. It is then kept
write-once in the store (`decisions/<sha256>`), recorded in the ledger (the entry names
the stored document) and receipted, so that neither cutting it from the ledger nor
appending one nobody signed passes unseen.

The API (used by the command line and the web service):

- `propose(contest, kind, subject, ledger)` -> `SignedDecision` with no signature yet;
- `decision_digest(decision)` -> the 32 bytes every member signs (the SHA-256 of the
  decision's canonical JSON under the domain `college-decision/1`): the Ed25519 message,
  and the WebAuthn challenge of a member signing with a passkey;
- `sign_ed25519(signed, member_id, key)` -> the document with the member's signature added;
- `verify_decision(signed, contest)` -> every problem (empty when a quorum signed it);
- `register_method(name, verifier)` adds a kind of member signature. A signature is
  `MemberSignature(member, method, signature, evidence)`: `evidence` holds what the
  method needs besides the signature (for a passkey: `authenticator_data`,
  `client_data_json`, `credential_id`), and the verifier, given the member, the 32-byte
  digest and the `MemberSignature`, says whether it holds. "ed25519" is built in.

- `record_decision(ledger, contest, data, signed, receipt_key)` checks and records it: the
  ledger event its kind calls for, the stored document and its receipt.
A decision names candidates only where a tie is decided (the tied names are procedure);
it never carries a figure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, Field

from college import strict_json
from college.anchor import AMEND, CONTEST, anchored_contest, anchored_hash, contest_key
from college.contest import Contest, Member
from college.errors import CollegeError
from college.events import ADMITTED, DECISION
from college.folders import DECISIONS
from college.ingest import admission_event, proceed_event, receipt_key, record, standings
from college.ledger import Entry, Ledger
from college.model import Identifier, Model, parse_toml
from college.procedure import open_ties, tie_decision_event
from college.receipts import issue_receipt
from college.signing import canonical, digest, ed25519_public, public_text, sign, verify


FORMAT = "college-decision/1"  # the decision's format, and the domain its digest is made under

Kind = Literal["admit", "proceed", "tie", "amend"]


class Decision(Model):
    """What the members sign. `subject` says what is decided, by kind:

    - admit: `submission` (the late or flagged return's SHA-256) and `body`;
    - proceed: `missing` (the bodies counted without, comma-separated);
    - tie: `round` and `eliminate` (the tied candidate the committee eliminates);
    - amend: `from` and `to` (SHA-256 of the contest file before and after) and `reason`.

    `ledger_size` and `ledger_head` bind the decision to the ledger it was taken on: it
    can be recorded only in a ledger that begins with those entries.
    """

    format: Literal["college-decision/1"] = FORMAT
    contest: Identifier
    kind: Kind
    subject: dict[Identifier, str]
    ledger_size: int = Field(ge=0)
    ledger_head: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    proposed_at: AwareDatetime


class MemberSignature(Model):
    """One member's signature on a decision's digest, by `method` (see `register_method`)."""

    member: Identifier
    method: Identifier = "ed25519"
    signature: str = Field(description="base64")
    evidence: dict[Identifier, str] = Field(default_factory=dict, description="what the method needs besides the signature")


class SignedDecision(Model):
    """The decision file: the decision and the signatures of the members who took it."""

    decision: Decision
    signatures: list[MemberSignature] = Field(default_factory=list)


Verifier = Callable[[Member, bytes, MemberSignature], bool]


def _verify_ed25519(member: Member, message: bytes, signature: MemberSignature) -> bool:
    try:
        raw = base64.b64decode(signature.signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return verify(ed25519_public(member.signing_key), FORMAT, message, raw)


def _verify_passkey(member: Member, message: bytes, signature: MemberSignature) -> bool:
    """A member's passkey (the web service's): the assertion over the digest, and the member's own
    signed statement that the passkey is theirs, checked with the contest file alone."""
    from college.enrolment import passkey_signature_holds

    return passkey_signature_holds(member, message, signature.signature, signature.evidence)


METHODS: dict[str, Verifier] = {"ed25519": _verify_ed25519, "passkey": _verify_passkey}


def register_method(name: str, verifier: Verifier) -> None:
    """Accept member signatures of another kind (the web service's passkeys, say)."""
    METHODS[name] = verifier


def decision_digest(decision: Decision) -> bytes:
    """The 32 bytes a member signs: SHA-256 over the domain and the decision's canonical JSON."""
    return hashlib.sha256(FORMAT.encode("ascii") + b"\0" + canonical(decision.model_dump(mode="json"))).digest()


def propose(contest: Contest, kind: str, subject: dict[str, str], ledger: Ledger, now: datetime | None = None) -> SignedDecision:
    """A decision on this contest, taken on the ledger as it stands, not yet signed."""
    head = ledger.head()
    try:
        decision = Decision(
            contest=contest.id, kind=kind, subject=subject, ledger_size=0 if head is None else head.position + 1,
            ledger_head=None if head is None else head.hash, proposed_at=now or datetime.now(UTC),
        )
    except ValueError as error:
        raise CollegeError(str(error).splitlines()[0], field="decision") from None
    return SignedDecision(decision=decision)


def sign_ed25519(signed: SignedDecision, member: Member, key: Ed25519PrivateKey) -> SignedDecision:
    """The decision with this member's Ed25519 signature added (a member signs once)."""
    if public_text(key) != member.signing_key:
        raise CollegeError(f"this key is not the signing key registered for {member.id}", field="signing_key")
    if any(s.member == member.id for s in signed.signatures):
        raise CollegeError(f"{member.id} has already signed this decision", field="member")
    raw = sign(key, FORMAT, decision_digest(signed.decision))
    signature = MemberSignature(member=member.id, signature=base64.b64encode(raw).decode("ascii"))
    return signed.model_copy(update={"signatures": [*signed.signatures, signature]})


def verify_decision(signed: SignedDecision, contest: Contest) -> list[str]:
    """Every problem with a signed decision, each naming the member or the field; empty when at
    least the committee's quorum of its members signed it and every signature verifies."""
    committee = contest.committee
    if committee is None:
        return ["committee: the contest file names no Procedures Committee to take decisions"]
    problems = []
    if signed.decision.contest != contest.id:
        problems.append(f"contest: the decision is for {signed.decision.contest!r}, not {contest.id!r}")
    message = decision_digest(signed.decision)
    good: set[str] = set()
    members = {m.id: m for m in committee.members}
    for signature in signed.signatures:
        member = members.get(signature.member)
        verifier = METHODS.get(signature.method)
        if member is None:
            problems.append(f"signatures: {signature.member!r} is not a member of the committee")
        elif verifier is None:
            problems.append(f"signatures: {signature.member}: unknown signature method {signature.method!r}")
        elif signature.member in good:
            problems.append(f"signatures: {signature.member} signed twice")
        elif not verifier(member, message, signature):
            problems.append(f"signatures: {signature.member}: the signature does not verify with the member's key")
        else:
            good.add(signature.member)
    if len(good) < committee.quorum:
        problems.append(f"signatures: {len(good)} good signatures, the committee's quorum is {committee.quorum}")
    return problems


def signers(signed: SignedDecision, contest: Contest) -> list[str]:
    """The names of the members who signed, for the record."""
    names = {m.id: m.name for m in contest.committee.members} if contest.committee else {}
    return [names.get(s.member, s.member) for s in signed.signatures]


def decision_bytes(signed: SignedDecision) -> bytes:
    """The decision file's bytes: canonical JSON, so the same document is always the same object."""
    return canonical(signed.model_dump(mode="json"))


def read_decision(data: bytes, file: str = "decision") -> SignedDecision:
    return strict_json.parse(SignedDecision, data, file=file)


# --- recording ----------------------------------------------------------------------------


def record_decision(
    ledger: Ledger, contest: Contest, contest_bytes: bytes, signed: SignedDecision, receipt_signer: Ed25519PrivateKey,
    now: datetime | None = None,
) -> Entry:
    """Check a signed decision and record it: the document kept write-once, the ledger event its
    kind calls for (naming the document and who signed), and a signed receipt for it
    (`receipts/<sha256>.json`). Recording the same document again changes nothing.

    `contest` and `contest_bytes` are the contest file as given; an amendment is verified
    against the committee of the file it amends (the one anchored now).
    """
    decision = signed.decision
    entries = ledger.entries()
    judge = contest
    if decision.kind == AMEND:
        anchored = anchored_contest(ledger)
        if anchored is None:
            raise CollegeError("nothing to amend: the ledger has not anchored a contest file yet", field="decision")
        judge = anchored[0]
    problems = verify_decision(signed, judge)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CollegeError(problems[0] + more, field="decision")
    if decision.ledger_size > len(entries) or (
        decision.ledger_size and entries[decision.ledger_size - 1].hash != decision.ledger_head
    ):
        raise CollegeError("the decision was taken on another ledger than this one", field="decision.ledger_head")
    data = decision_bytes(signed)
    sha = digest(data)
    by = ", ".join(signers(signed, judge))[:500]
    event = _event(decision, contest, contest_bytes, entries, by)
    event["ids"] = event.get("ids", {}) | {"kind": decision.kind, "decision": sha, "decided-by": by}
    ledger.store.put(f"{DECISIONS}/{sha}", data)
    if decision.kind == AMEND:  # the amended file is kept as the anchored one is: the next amendment is judged by it
        ledger.store.put(contest_key(digest(contest_bytes)), contest_bytes)
    if event["event"] == ADMITTED:
        entry = record(ledger, standings(contest, entries), event, event.pop("once_key"))
    else:
        entry = ledger.append(**event)
    if entry.ids.get("decision") != sha:
        raise CollegeError(f"already decided (ledger position {entry.position}) by another decision", field="decision")
    key = receipt_key(sha)
    if not ledger.store.exists(key):
        receipt = issue_receipt(
            receipt_signer, contest=contest.id, received=data, affiliate=None, received_at=now or datetime.now(UTC),
            outcome="recorded", entry=entry, reasons=entry.reasons,
        )
        ledger.store.put(key, receipt)
    return entry


def _event(decision: Decision, contest: Contest, contest_bytes: bytes, entries: list[Entry], by: str) -> dict:
    subject = decision.subject
    if decision.kind == "admit":
        state = standings(contest, entries)
        standing = state.bodies.get(subject.get("body", ""))
        if standing is None:
            raise CollegeError(f"{subject.get('body')!r} is not a registered body", field="decision.subject.body")
        event = admission_event(standing, subject.get("submission", ""), by)
        return event | {"once_key": f"{ADMITTED}:{event['object_hash']}"}
    if decision.kind == "proceed":
        missing = standings(contest, entries).missing
        if subject.get("missing") != ", ".join(missing):
            raise CollegeError("the bodies missing now are not the ones the decision names", field="decision.subject.missing")
        if contest.deadline is not None and datetime.now(UTC) <= contest.deadline:
            raise CollegeError("the returns deadline has not passed: the committee decides after it", field="returns_deadline")
        return proceed_event(contest, standings(contest, entries), by)
    if decision.kind == "tie":
        waiting = {str(t.round): t for t in open_ties(entries)}
        tie = waiting.get(subject.get("round", ""))
        if tie is None:
            raise CollegeError(f"no tie is waiting for the committee in round {subject.get('round')}", field="decision.subject.round")
        return tie_decision_event(tie, subject.get("eliminate", ""), by)
    current, new = anchored_hash(entries), digest(contest_bytes)
    if subject.get("from") != current:
        raise CollegeError("the amendment does not start from the contest file anchored now", field="decision.subject.from")
    if subject.get("to") != new:
        raise CollegeError("the contest file given is not the one the amendment names", field="decision.subject.to")
    return {
        "event": DECISION, "object_hash": new, "reasons": [f"amend the contest file: {subject.get('reason', '')}"[:500]],
        "ids": {"from": current, "to": new}, "once_key": f"{AMEND}:{new}",
    }


def decision_subject(kind: str, contest: Contest, ledger: Ledger, **given: str) -> dict[str, str]:
    """The subject of a new decision of this kind, completed from the ledger where it can be
    (the body of a submission, the missing bodies, the anchored contest file)."""
    entries = ledger.entries()
    if kind == "admit":
        state = standings(contest, entries)
        sha = given["submission"]
        body = next((b for b, s in state.bodies.items() if sha in s.late or sha in s.flagged), None)
        if body is None:
            raise CollegeError(f"{sha} is not a late or flagged return", field="SHA256")
        return {"submission": sha, "body": body}
    if kind == "proceed":
        missing = standings(contest, entries).missing
        if not missing:
            raise CollegeError("no returning body is missing: there is nothing to decide", field="missing")
        return {"missing": ", ".join(missing)}
    if kind == "tie":
        waiting = open_ties(entries)
        if not waiting:
            raise CollegeError(f"no tie is waiting for the committee in contest {contest.id}", field="ledger")
        tie = waiting[-1]
        tie_decision_event(tie, given["eliminate"], "")  # refuses a candidate who is not tied
        return {"round": str(tie.round), "eliminate": given["eliminate"]}
    current = anchored_hash(entries)
    if current is None:
        raise CollegeError("nothing to amend: the ledger has not anchored a contest file yet", field="decision")
    return {"from": current, "to": given["to"], "reason": given["reason"]}


def check_recorded_decisions(ledger: Ledger, contest: Contest) -> None:
    """Refuse a ledger holding a committee decision (an admission, a decision to proceed, a tie decided,
    an amendment) that is not backed by a stored document a quorum signed: one appended by someone who
    could write to the store but holds no member's key is caught before anything counts it."""
    judges: dict[str, Contest] = {}
    backed: dict[str, int] = {}  # each signed document and the one entry it backs
    current = None  # the contest file anchored when each decision was recorded: its committee took it
    for entry in ledger.entries():
        if entry.event == CONTEST and entry.once_key == CONTEST:
            current = entry.ids.get("sha256")
        if entry.event not in (ADMITTED, DECISION):
            continue
        where = f"ledger position {entry.position}"
        sha = entry.ids.get("decision")
        try:
            signed = read_decision(ledger.store.get(f"{DECISIONS}/{sha}"), file=where) if sha else None
        except CollegeError:
            signed = None
        if signed is None or digest(decision_bytes(signed)) != sha:
            raise CollegeError("a committee decision with no signed document behind it: forged, or recorded "
                               "without `college decision record`", file=ledger.store.uri, field=where)
        if current is not None and current not in judges:
            judges[current] = parse_toml(Contest, ledger.store.get(contest_key(current)), contest_key(current))
        judge = judges.get(current, contest)
        problems = verify_decision(signed, judge)
        if signed.decision.kind == AMEND and not problems:
            current = entry.ids.get("to", current)
        if not problems and not _decides(signed.decision, entry):
            problems = ["the entry is not what the signed document decided"]
        if not problems and sha in backed:
            problems = [f"its signed document already backs ledger position {backed[sha]}"]
        if problems:
            raise CollegeError(f"a committee decision that does not hold: {problems[0]}", file=ledger.store.uri, field=where)
        backed[sha] = entry.position


def _decides(decision: Decision, entry: Entry) -> bool:
    """Whether a ledger entry records what the signed decision decided: the same kind and the same
    subject (so a document the members signed for one return cannot stand behind another's admission)."""
    subject, ids = decision.subject, entry.ids
    if ids.get("kind") != decision.kind:
        return False
    if decision.kind == "admit":
        return entry.event == ADMITTED and (entry.object_hash, entry.body) == (subject.get("submission"), subject.get("body"))
    if decision.kind == "proceed":
        named = [ids[k] for k in sorted((k for k in ids if k.startswith("missing-")), key=lambda k: int(k.split("-")[1]))]
        return entry.event == DECISION and ", ".join(named) == subject.get("missing")
    if decision.kind == "tie":
        return entry.event == DECISION and (ids.get("round"), ids.get("eliminate")) == (subject.get("round"), subject.get("eliminate"))
    return entry.event == DECISION and (ids.get("from"), ids.get("to")) == (subject.get("from"), subject.get("to"))
