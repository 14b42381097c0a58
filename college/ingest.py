"""What becomes of each submission, and where every returning body stands: procedure only.

DESIGN.md, Integrity, and issues 4 and 15: everything received is kept; the same bytes
twice are one submission, and so is the same signed return in other bytes (its identity
is the hash of what was signed, `content`); a later valid return from the same body
before the deadline supersedes the earlier one (both kept, the ledger says which
counts), where "later" is the time the return says it was made, under its signature:
a return made before the one that counts is refused (`older-return`), so an old sealed
file brought back never restores old figures. A return after the deadline is kept and
recorded late, and a return whose papers issued differ from the certified count with an
explanation is recorded flagged: either counts only once the Procedures Committee's
recorded decision admits it. A rejected submission is kept with its reasons.

The ledger is the record: the standings are read from its entries (college/ledger.py),
and every event is appended through `record`, which also appends what the event
supersedes. Nothing here sees a figure of a return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from college.anchor import amendments, anchored_hash
from college.contest import Contest
from college.events import ACCEPTED, ADMITTED, DECISION, DUPLICATE, FLAGGED, LATE, RECEIVED, REJECTED, SUPERSEDED
from college.folders import INBOX, RECEIPTS
from college.errors import CollegeError
from college.ledger import Entry, Hash, Ledger
from college.receipts import Received, issue_receipt
from college.signing import digest
from college.store import Store
from college.model import Identifier, Model, Name

OUTCOMES = (ACCEPTED, REJECTED, LATE, FLAGGED, DUPLICATE)
OLDER_RETURN = "older-return: made before the return that counts for this body, so it cannot supersede it"
DUPLICATE_CONTENT = "duplicate-content: the same signed return was received before in other bytes: one submission"
PROCEED_REASON = "count without missing returns"


_UNKNOWN = datetime.max.replace(tzinfo=UTC)
_UNDATED = datetime.min.replace(tzinfo=UTC)


@dataclass
class Standing:
    """One returning body's procedural state."""

    body: str
    name: str
    section: str
    received: list[str] = field(default_factory=list)  # digests, in the store's order of receipt
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)  # digest -> reasons
    late: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)  # issued differs from certified, explained: for the committee
    admitted: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # the same signed return again, in other bytes
    received_at: dict[str, datetime] = field(default_factory=dict)
    made_at: dict[str, datetime] = field(default_factory=dict)  # as signed in each decided return
    contents: dict[str, str] = field(default_factory=dict)  # content (hash of the signed return) -> digest

    def receive(self, digest: str, when: datetime | None) -> None:
        """Keep `received` in the store's order of receipt, whatever order ingest recorded them in
        (a file the store could not give in one run is recorded in a later one)."""
        if digest in self.received:
            return
        self.received.append(digest)
        if when is not None:
            self.received_at[digest] = when
        self.received.sort(key=lambda d: self.received_at.get(d, _UNKNOWN))  # stable: ledger order otherwise

    def _live(self) -> list[str]:
        return [d for d in self.received if (d in self.accepted or d in self.admitted) and d not in self.superseded]

    @property
    def counting(self) -> str | None:
        """The return that counts: of those accepted or admitted, and not superseded, the one made last
        (as its signature says; the one received last among returns that do not say)."""
        live = self._live()
        order = {d: (self.made_at.get(d, _UNDATED), n) for n, d in enumerate(live)}
        return max(live, key=order.__getitem__) if live else None

    def older_than_counting(self, made_at: datetime | None) -> bool:
        """Whether a return made at `made_at` was made no later than the return that counts now."""
        counting = self.counting
        if counting is None or made_at is None or counting not in self.made_at:
            return False
        return made_at <= self.made_at[counting]

    def supersessions(self) -> list[dict]:
        """The `superseded` events still to record: every accepted or admitted return of this body
        but the one that counts is superseded by it. Recorded after each outcome or admission, and
        at the start of every run, so a crash between the two appends is made good."""
        counting = self.counting
        return [_superseded(self.body, d, counting) for d in self._live() if d != counting]

    @property
    def state(self) -> str:
        if self.counting:
            if self.counting in self.accepted:
                return "accepted"
            return "admitted late" if self.counting in self.late else "admitted"
        if set(self.flagged) - set(self.admitted):
            return "flagged"
        if self.late:
            return "late"
        if self.rejected:
            return "rejected"
        return "missing"


@dataclass
class Standings:
    bodies: dict[str, Standing]
    unattributed: dict[str, list[str]]  # digest -> reasons, for submissions naming no registered body

    @property
    def missing(self) -> list[str]:
        return [body.body for body in self.bodies.values() if body.counting is None]

    def apply(self, entry: Entry) -> None:
        """One more ledger entry (kept up to date as entries are appended, so no one re-reads the ledger)."""
        kind, digest = entry.event, entry.object_hash
        body = self.bodies.get(entry.body or "")
        if body is None:
            if kind == REJECTED:
                self.unattributed[digest] = list(entry.reasons)
            return
        if kind == RECEIVED:
            when = entry.ids.get("received-at")
            body.receive(digest, datetime.fromisoformat(when) if when else None)
            return
        if entry.once_key == f"outcome:{digest}":
            if "made-at" in entry.ids:
                body.made_at[digest] = datetime.fromisoformat(entry.ids["made-at"])
            if "content" in entry.ids:
                body.contents.setdefault(entry.ids["content"], digest)
        if kind == ACCEPTED:
            body.accepted.append(digest)
        elif kind == REJECTED:
            body.rejected[digest] = list(entry.reasons)
        elif kind == LATE:
            body.late.append(digest)
        elif kind == FLAGGED:
            body.flagged.append(digest)
            if entry.ids.get("late") == "yes":
                body.late.append(digest)
        elif kind == ADMITTED:
            body.admitted.append(digest)
        elif kind == SUPERSEDED:
            body.superseded.append(digest)
        elif kind == DUPLICATE and entry.once_key == f"outcome:{digest}":
            body.duplicates.append(digest)

    def outcome_of(self, digest: str) -> str | None:
        for body in self.bodies.values():
            for event, digests in (
                (ACCEPTED, body.accepted), (REJECTED, body.rejected), (FLAGGED, body.flagged), (LATE, body.late),
                (DUPLICATE, body.duplicates),
            ):
                if digest in digests:
                    return event
        return REJECTED if digest in self.unattributed else None


def standings(contest: Contest, entries: Iterable[Entry]) -> Standings:
    """Each registered body's state after these ledger entries."""
    state = Standings({b.id: Standing(b.id, b.name, b.section) for b in contest.register}, {})
    for entry in entries:
        state.apply(entry)
    return state


def outcome_event(
    digest: str, body: str | None, accepted: bool, late: bool, reasons: list[str], flags: Iterable[str] = ()
) -> dict:
    """The ledger event for one checked submission: accepted when valid and on time; flagged when
    valid with a flag for the Procedures Committee; late when valid and after the deadline (flagged
    and late both wait for the committee, which may admit them); otherwise rejected with every
    reason. What it supersedes follows from the standings (`Standing.supersessions`)."""
    flags = list(flags)
    if not accepted:
        return {"event": REJECTED, "object_hash": digest, "body": body, "reasons": reasons}
    if flags:
        why = flags + (["received after the returns deadline"] if late else [])
        return {"event": FLAGGED, "object_hash": digest, "body": body, "reasons": why, "ids": {"late": "yes" if late else "no"}}
    if late:
        return {"event": LATE, "object_hash": digest, "body": body, "reasons": ["received after the returns deadline"]}
    return {"event": ACCEPTED, "object_hash": digest, "body": body, "reasons": []}


def checked_event(state: Standings, item: Checked) -> dict:
    """The outcome of one checked submission against where its body stands now: a signed return
    already received in other bytes is a duplicate, a return made no later than the one that counts
    is refused (`older-return`); otherwise `outcome_event`. The content and the time the return was
    made (neither is a figure) are recorded, so the standings can order a body's returns."""
    standing = state.bodies.get(item.body or "")
    made_at = datetime.fromisoformat(item.made_at) if item.made_at else None
    accepted, reasons = item.accepted, list(item.reasons)
    seen = standing.contents.get(item.content) if standing is not None and item.content else None
    if seen is not None and seen != item.digest:
        event = {"event": DUPLICATE, "object_hash": item.digest, "body": standing.body,
                 "reasons": [DUPLICATE_CONTENT], "ids": {"same-as": seen}}
    else:
        if accepted and standing is not None and standing.older_than_counting(made_at):
            accepted, reasons = False, [OLDER_RETURN]
        event = outcome_event(item.digest, standing.body if standing else None, accepted, item.late, reasons, item.flags)
    extra = {f"flag-{i}": flag[:500] for i, flag in enumerate(item.flags)}
    if item.content:
        extra["content"] = item.content
    if item.made_at:
        extra["made-at"] = item.made_at
    event["ids"] = event.get("ids", {}) | extra
    return event


def _superseded(body: str, replaced: str, by: str) -> dict:
    return {"event": SUPERSEDED, "object_hash": replaced, "body": body, "reasons": [f"superseded by {by}"]}


def admission_event(standing: Standing, digest: str, decided_by: str) -> dict:
    """The committee admits a late or flagged return: it counts (and supersedes what counted before,
    unless it was made no later than that one, which it can never supersede)."""
    if digest not in standing.late and digest not in standing.flagged:
        raise CollegeError(f"{digest} is not a late or flagged return from {standing.body}", field="digest")
    if digest != standing.counting and standing.older_than_counting(standing.made_at.get(digest)):
        raise CollegeError(f"{digest} {OLDER_RETURN}", field="digest")
    return {"event": ADMITTED, "object_hash": digest, "body": standing.body, "reasons": [f"admitted by {decided_by}"]}


def record(ledger: Ledger, state: Standings, event: dict, once_key: str) -> Entry:
    """Append `event` once, keep `state` up to date, then record what it supersedes."""
    entry = ledger.append(**event, once_key=once_key)
    state.apply(entry)
    record_supersessions(ledger, state, state.bodies.get(entry.body or ""))
    return entry


def record_supersessions(ledger: Ledger, state: Standings, standing: Standing | None) -> None:
    for event in standing.supersessions() if standing is not None else []:
        state.apply(ledger.append(**event, once_key=f"{SUPERSEDED}:{event['object_hash']}"))


def proceed_once_key(contest: Contest) -> str:
    return f"proceed:{contest.id}"


def proceed_event(contest: Contest, state: Standings, decided_by: str) -> dict:
    """The committee decides to count without the bodies still missing (DESIGN.md, completeness):
    one `decision` entry naming them, recorded once per contest."""
    if not state.missing:
        raise CollegeError("no returning body is missing: there is nothing to decide", field="missing")
    ids = {"kind": "proceed", "decided-by": decided_by} | {f"missing-{n}": body for n, body in enumerate(state.missing, 1)}
    return {"event": DECISION, "reasons": [PROCEED_REASON], "ids": ids, "once_key": proceed_once_key(contest)}




def inbox_ref(key: str) -> str:
    """How the ledger names an inbox object: its key, or for a key longer than a ledger field holds
    (S3 allows 1024 bytes) its start and the SHA-256 of the whole key."""
    return key if len(key) <= 400 else f"{key[:200]}... sha256 {digest(key.encode('utf-8'))}"


def inbox_key(data: bytes, now: datetime) -> str:
    """Where a submission waits for ingest: the time it was put, then the bytes' hash."""
    return f"{INBOX}/{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{digest(data)[:16]}.sealed"


def receipt_key(sha: str) -> str:
    return f"{RECEIPTS}/{sha}.json"

# --- recording what ingest found -----------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """A submission as the store received it: procedure only."""

    inbox_key: str
    digest: str
    size: int
    received_at: str
    body: str | None
    key_id: str | None = None


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one submission: procedure only (rules, never figures). `content` is
    the SHA-256 of the signed return (its identity) and `made_at` when it says it was made, once
    its signature verified."""

    digest: str
    body: str | None
    accepted: bool
    late: bool
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    content: str | None = None
    made_at: str | None = None


def record_arrivals(ledger: Ledger, arrivals: list[Arrival]) -> None:
    """`received` once per distinct file, in the store's order of receipt; a repeat is `duplicate`."""
    first: dict[str, Arrival] = {}
    for arrival in sorted(arrivals, key=lambda a: (a.received_at, a.inbox_key)):
        seen = ledger.find(f"received:{arrival.digest}")
        ref = inbox_ref(arrival.inbox_key)
        if arrival.digest in first or (seen is not None and seen.ids.get("inbox") != ref):
            ledger.append(
                DUPLICATE, body=arrival.body, object_hash=arrival.digest,
                reasons=["the same bytes were received before: one submission"],
                ids={"inbox": ref}, once_key=f"duplicate:{ref}",
            )
            continue
        first[arrival.digest] = arrival
        ledger.append(
            RECEIVED, body=arrival.body, object_hash=arrival.digest,
            ids={"inbox": ref, "size": str(arrival.size), "received-at": arrival.received_at}
            | ({"key-id": arrival.key_id} if arrival.key_id else {}),
            once_key=f"received:{arrival.digest}",
        )


def undecided(ledger: Ledger) -> list[Arrival]:
    """Every submission received but not yet decided, this run's or one a crash interrupted."""
    return [
        Arrival(e.ids["inbox"], e.object_hash, int(e.ids["size"]), e.ids["received-at"], e.body, e.ids.get("key-id"))
        for e in ledger.entries()
        if e.event == RECEIVED and ledger.find(f"outcome:{e.object_hash}") is None
    ]


def new_inbox_keys(ledger: Ledger, store: Store) -> list[str]:
    """Every object in the inbox the ledger has not yet recorded, whatever its name."""
    seen = {e.ids["inbox"] for e in ledger.entries() if e.event in (RECEIVED, DUPLICATE) and "inbox" in e.ids}
    return [key for key in store.list(f"{INBOX}/") if inbox_ref(key) not in seen]


def record_outcomes(contest: Contest, ledger: Ledger, checked: list[Checked]) -> None:
    """Each outcome, then what it supersedes (a later valid return on time replaces an earlier one).

    The standings are read from the ledger once and kept up to date as entries are appended.
    Supersessions a crash left unrecorded are recorded first.
    """
    entries = ledger.entries()
    order = {e.object_hash: e.position for e in entries if e.event == RECEIVED}
    state = standings(contest, entries)
    for standing in state.bodies.values():
        record_supersessions(ledger, state, standing)
    for item in sorted(checked, key=lambda c: order[c.digest]):
        if ledger.find(f"outcome:{item.digest}") is not None:
            continue
        record(ledger, state, checked_event(state, item), f"outcome:{item.digest}")


def issue_receipts(contest: Contest, ledger: Ledger, store: Store, signing_key) -> int:
    """A signed receipt for every decided submission that has none yet (so a crash loses none)."""
    issued = 0
    for received in [e for e in ledger.entries() if e.event == RECEIVED]:
        key = receipt_key(received.object_hash)
        outcome = ledger.find(f"outcome:{received.object_hash}")
        if outcome is None or store.exists(key):
            continue
        receipt = issue_receipt(
            signing_key,
            contest=contest.id,
            received=Received(sha256=received.object_hash, size=int(received.ids["size"])),
            affiliate=received.body,
            sender_key_id=received.ids.get("key-id"),
            received_at=datetime.fromisoformat(received.ids["received-at"]),
            outcome=outcome.event,
            entry=outcome,
            reasons=outcome.reasons,
        )
        store.put(key, receipt)
        issued += 1
    return issued


# --- status: procedure only ----------------------------------------------------------------


class Rejection(Model):
    submission: Hash
    reasons: list[str]


class Flagged(Model):
    """A valid return waiting for the Procedures Committee, and the flags it carries (rules only)."""

    submission: Hash
    flags: list[str]


class BodyStatus(Model):
    """One returning body's procedural state: which submissions, what became of each. No figures."""

    body: Identifier
    name: Name
    section: Identifier
    expected: bool = True  # every registered body is expected to return
    state: Literal["accepted", "admitted", "admitted late", "flagged", "late", "rejected", "missing"]
    counting: Hash | None
    received: list[Hash]
    accepted: list[Hash]
    rejected: list[Rejection]
    superseded: list[Hash]
    late: list[Hash]
    flagged: list[Flagged] = []
    admitted: list[Hash]
    duplicates: int
    missing: bool


class Unattributed(Model):
    """A submission that names no registered body (or cannot be read): kept, rejected, and shown."""

    submission: Hash
    reasons: list[str]


class AmendmentStatus(Model):
    """A signed amendment of the contest file the committee recorded."""

    position: int
    previous: Hash
    current: Hash
    reason: str
    decided_by: str


class Status(Model):
    """`college status`: where every returning body stands, from the ledger alone."""

    contest: Identifier
    returns_deadline: datetime | None
    ledger_entries: int
    bodies: list[BodyStatus]
    unattributed: list[Unattributed]
    missing: list[Identifier]
    proceed_decided_by: str | None = None  # set once the committee has decided to count without the missing
    contest_file: Hash | None = None  # SHA-256 of the contest file the count runs on (anchored, then amended)
    amendments: list[AmendmentStatus] = []


def status(contest: Contest, entries: Iterable[Entry]) -> Status:
    entries = list(entries)
    state = standings(contest, entries)
    duplicates: dict[str, int] = {}
    for entry in entries:
        if entry.event == DUPLICATE and entry.body:
            duplicates[entry.body] = duplicates.get(entry.body, 0) + 1
    proceed = next((e for e in entries if e.once_key == proceed_once_key(contest)), None)
    flags = {e.object_hash: list(e.reasons) for e in entries if e.event == FLAGGED}
    bodies = [
        BodyStatus(
            body=s.body, name=s.name, section=s.section, state=s.state, counting=s.counting,
            received=s.received, accepted=s.accepted,
            rejected=[Rejection(submission=d, reasons=r) for d, r in s.rejected.items()],
            superseded=s.superseded, late=[d for d in s.late if d not in s.flagged], admitted=s.admitted,
            flagged=[Flagged(submission=d, flags=flags.get(d, [])) for d in s.flagged],
            duplicates=duplicates.get(s.body, 0), missing=s.counting is None,
        )
        for s in state.bodies.values()
    ]
    return Status(
        contest=contest.id,
        returns_deadline=contest.deadline,
        ledger_entries=len(entries),
        bodies=bodies,
        unattributed=[Unattributed(submission=d, reasons=r) for d, r in state.unattributed.items()],
        missing=state.missing,
        proceed_decided_by=proceed.ids.get("decided-by") if proceed else None,
        contest_file=anchored_hash(entries),
        amendments=[AmendmentStatus(**vars(a)) for a in amendments(entries)],
    )
