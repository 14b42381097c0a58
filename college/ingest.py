"""What becomes of each submission, and where every returning body stands: procedure only.

DESIGN.md, Integrity, and issue 4: everything received is kept; the same bytes twice
are one submission; a later valid return from the same body before the deadline
supersedes the earlier one (both kept, the ledger says which counts); a return after
the deadline is kept and recorded late, and counts only if the Procedures Committee's
recorded decision admits it; a rejected submission is kept with its reasons.

The ledger is the record: these functions read its entries (college/ledger.py) and say
what to append, as keyword arguments of `Ledger.append`. Nothing here sees a figure of
a return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from college.contest import Contest
from college.errors import CollegeError
from college.ledger import Entry, Hash
from college.model import Identifier, Model, Name

RECEIVED = "received"
ACCEPTED = "accepted"
REJECTED = "rejected"
LATE = "late"
SUPERSEDED = "superseded"
ADMITTED = "admitted"
DUPLICATE = "duplicate"
DECISION = "decision"
OUTCOMES = (ACCEPTED, REJECTED, LATE)
PROCEED_REASON = "count without missing returns"
SUPERSEDES = "supersedes"  # in the ids of the entry that accepts or admits a return replacing another


@dataclass
class Standing:
    """One returning body's procedural state."""

    body: str
    name: str
    section: str
    received: list[str] = field(default_factory=list)  # digests, in order of receipt
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)  # digest -> reasons
    late: list[str] = field(default_factory=list)
    admitted: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    def _live(self) -> list[str]:
        return [d for d in self.received if (d in self.accepted or d in self.admitted) and d not in self.superseded]

    @property
    def counting(self) -> str | None:
        """The return that counts: the latest received of those accepted or admitted, not superseded."""
        live = self._live()
        return live[-1] if live else None

    def replaced_by(self, digest: str) -> str | None:
        """The return that counted until `digest` arrived: the latest live one received before it."""
        if digest not in self.received:
            return None
        earlier = self.received[: self.received.index(digest)]
        live = [d for d in self._live() if d in earlier]
        return live[-1] if live else None

    @property
    def state(self) -> str:
        if self.counting:
            return "accepted" if self.counting in self.accepted else "admitted late"
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

    def apply(self, kind: str, digest: str | None, body_id: str | None, reasons: Iterable[str] = ()) -> None:
        """One more ledger event (kept up to date as events are appended, so no one re-reads the ledger)."""
        body = self.bodies.get(body_id or "")
        if body is None:
            if kind == REJECTED:
                self.unattributed[digest] = list(reasons)
            return
        if kind == RECEIVED and digest not in body.received:
            body.received.append(digest)
        elif kind == ACCEPTED:
            body.accepted.append(digest)
        elif kind == REJECTED:
            body.rejected[digest] = list(reasons)
        elif kind == LATE:
            body.late.append(digest)
        elif kind == ADMITTED:
            body.admitted.append(digest)
        elif kind == SUPERSEDED:
            body.superseded.append(digest)

    def outcome_of(self, digest: str) -> str | None:
        for body in self.bodies.values():
            for event, digests in ((ACCEPTED, body.accepted), (REJECTED, body.rejected), (LATE, body.late)):
                if digest in digests:
                    return event
        return REJECTED if digest in self.unattributed else None


def standings(contest: Contest, entries: Iterable[Entry]) -> Standings:
    """Each registered body's state after these ledger entries, in ledger order."""
    state = Standings({b.id: Standing(b.id, b.name, b.section) for b in contest.register}, {})
    for entry in entries:
        state.apply(entry.event, entry.object_hash, entry.body, entry.reasons)
    return state


def outcome_events(
    digest: str, body: str | None, accepted: bool, late: bool, reasons: list[str], standing: Standing | None
) -> list[dict]:
    """The ledger events for one checked submission, given its body's standing (its receipt recorded).

    A valid return on time supersedes the one that counted until now; a late one is only
    recorded (the committee may admit it); anything with a problem is rejected with every
    reason.
    """
    if not accepted:
        return [{"event": REJECTED, "object_hash": digest, "body": body, "reasons": reasons}]
    if late:
        return [{"event": LATE, "object_hash": digest, "body": body, "reasons": ["received after the returns deadline"]}]
    replaced = standing.replaced_by(digest) if standing is not None else None
    events = [{"event": ACCEPTED, "object_hash": digest, "body": body, "reasons": []}]
    if replaced:
        events[0]["ids"] = {SUPERSEDES: replaced}
        events.append(_superseded(body, replaced, digest))
    return events


def _superseded(body: str | None, replaced: str, by: str) -> dict:
    return {"event": SUPERSEDED, "object_hash": replaced, "body": body, "reasons": [f"superseded by {by}"]}


def unrecorded_supersessions(entries: Iterable[Entry]) -> list[dict]:
    """The `superseded` entries an accepting or admitting entry names (ids["supersedes"]) that are
    not in the ledger: what a crash between the two appends left out, to be appended now."""
    entries = list(entries)
    recorded = {e.object_hash for e in entries if e.event == SUPERSEDED}
    return [
        _superseded(e.body, e.ids[SUPERSEDES], e.object_hash)
        for e in entries
        if e.event in (ACCEPTED, ADMITTED) and SUPERSEDES in e.ids and e.ids[SUPERSEDES] not in recorded
    ]


def admission_events(standing: Standing, digest: str, decided_by: str) -> list[dict]:
    """The committee admits a late return: it counts, and supersedes what counted before."""
    if digest not in standing.late:
        raise CollegeError(f"{digest} is not a late return from {standing.body}", field="digest")
    events = [{"event": ADMITTED, "object_hash": digest, "body": standing.body, "reasons": [f"admitted by {decided_by}"]}]
    replaced = standing.counting
    if replaced and replaced != digest:
        events[0]["ids"] = {SUPERSEDES: replaced}
        events.append(_superseded(standing.body, replaced, digest))
    return events


def proceed_once_key(contest: Contest) -> str:
    return f"proceed:{contest.id}"


def proceed_event(contest: Contest, state: Standings, decided_by: str) -> dict:
    """The committee decides to count without the bodies still missing (DESIGN.md, completeness):
    one `decision` entry naming them, recorded once per contest."""
    if not state.missing:
        raise CollegeError("no returning body is missing: there is nothing to decide", field="missing")
    ids = {"kind": "proceed", "decided-by": decided_by} | {f"missing-{n}": body for n, body in enumerate(state.missing, 1)}
    return {"event": DECISION, "reasons": [PROCEED_REASON], "ids": ids, "once_key": proceed_once_key(contest)}


# --- status: procedure only ----------------------------------------------------------------


class Rejection(Model):
    submission: Hash
    reasons: list[str]


class BodyStatus(Model):
    """One returning body's procedural state: which submissions, what became of each. No figures."""

    body: Identifier
    name: Name
    section: Identifier
    expected: bool = True  # every registered body is expected to return
    state: Literal["accepted", "admitted late", "late", "rejected", "missing"]
    counting: Hash | None
    received: list[Hash]
    accepted: list[Hash]
    rejected: list[Rejection]
    superseded: list[Hash]
    late: list[Hash]
    admitted: list[Hash]
    duplicates: int
    missing: bool


class Unattributed(Model):
    """A submission that names no registered body (or cannot be read): kept, rejected, and shown."""

    submission: Hash
    reasons: list[str]


class Status(Model):
    """`college status`: where every returning body stands, from the ledger alone."""

    contest: Identifier
    returns_deadline: datetime | None
    ledger_entries: int
    bodies: list[BodyStatus]
    unattributed: list[Unattributed]
    missing: list[Identifier]
    proceed_decided_by: str | None = None  # set once the committee has decided to count without the missing


def status(contest: Contest, entries: Iterable[Entry]) -> Status:
    entries = list(entries)
    state = standings(contest, entries)
    duplicates: dict[str, int] = {}
    for entry in entries:
        if entry.event == DUPLICATE and entry.body:
            duplicates[entry.body] = duplicates.get(entry.body, 0) + 1
    proceed = next((e for e in entries if e.once_key == proceed_once_key(contest)), None)
    bodies = [
        BodyStatus(
            body=s.body, name=s.name, section=s.section, state=s.state, counting=s.counting,
            received=s.received, accepted=s.accepted,
            rejected=[Rejection(submission=d, reasons=r) for d, r in s.rejected.items()],
            superseded=s.superseded, late=s.late, admitted=s.admitted,
            duplicates=duplicates.get(s.body, 0), missing=s.counting is None,
        )
        for s in state.bodies.values()
    ]
    return Status(
        contest=contest.id,
        returns_deadline=contest.returns_deadline,
        ledger_entries=len(entries),
        bodies=bodies,
        unattributed=[Unattributed(submission=d, reasons=r) for d, r in state.unattributed.items()],
        missing=state.missing,
        proceed_decided_by=proceed.ids.get("decided-by") if proceed else None,
    )
