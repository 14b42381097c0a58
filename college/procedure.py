"""The procedural record, read from the ledger: what the NEC hears besides the figures.

Seed 003 item 29 and issue 7 item 3: returns received, accepted, rejected and why,
superseded, late and the decisions taken, missing bodies, tie decisions, the key
ceremony and who took part in the declaration. Everything here comes from ledger
entries, which hold procedure only, so this record can be built before the declaration.

Committee decisions are ledger entries of event `decision`, with `ids["kind"]`:
`proceed` (count without the missing returns), `tie` (which tied candidate goes);
admitting a late return is the `admitted` event (college/ingest.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field

from college.ceremony import Ceremony
from college.contest import Contest
from college.errors import CollegeError
from college.events import ADMITTED, DECISION, DECLARED, FLAGGED, RECEIVED, REFERRED, SUPERSEDED
from college.ingest import proceed_once_key, standings
from college.count.result import TieDecision
from college.ledger import Entry
from college.model import Model, Name
from college.signing import key_id

Outcome = Literal["accepted", "rejected", "superseded", "late", "flagged", "duplicate"]
TIE = "tie"  # the kind of a committee decision on a tie (`ids["kind"]`)


class ReturnRecord(Model):
    """One submission and what became of it (procedure only: no figures)."""

    body: str
    body_name: Name
    submission: str = Field(description="SHA-256 of the bytes received")
    received_at: datetime
    outcome: Outcome
    reasons: list[str] = Field(default_factory=list)
    decision: str | None = Field(default=None, description="the Procedures Committee's decision, e.g. on a late return")


class MissingBody(Model):
    body: str
    body_name: Name
    decision: str | None = None


class CommitteeDecision(Model):
    subject: str
    decision: str
    decided_by: list[Name] = Field(default_factory=list)
    decided_at: datetime | None = None


class KeyCeremony(Model):
    held_at: datetime | None = None
    participants: list[Name]
    quorum: int = Field(ge=1)
    members: int = Field(ge=1)
    declaration_key_id: str | None = None


class ProceduralRecord(Model):
    """What the NEC hears besides the figures (issue 7, item 3)."""

    returns: list[ReturnRecord] = Field(default_factory=list)
    missing: list[MissingBody] = Field(default_factory=list)
    decisions: list[CommitteeDecision] = Field(default_factory=list)
    tie_decisions: list[TieDecision] = Field(default_factory=list)
    key_ceremony: KeyCeremony | None = None


@dataclass(frozen=True)
class ReferredTie:
    """A tie for lowest referred to the Procedures Committee: the round and who is tied, nothing more."""

    round: int
    tied: tuple[str, ...]
    flow_run: str | None = None  # the paused count waiting for the decision, if any


def referred_event(tie: ReferredTie) -> dict:
    ids = {"round": str(tie.round), "tied": " | ".join(tie.tied)} | ({"flow-run": tie.flow_run} if tie.flow_run else {})
    return {
        "event": REFERRED,
        "reasons": [f"round {tie.round}: tie for lowest referred to the Procedures Committee"],
        "ids": ids,
        "once_key": f"{REFERRED}:{tie.round}",
    }


def tie_decision_event(tie: ReferredTie, eliminate: str, decided_by: str) -> dict:
    """The committee's decision on a referred tie: it must eliminate one of the tied candidates."""
    if eliminate not in tie.tied:
        raise CollegeError(f"{eliminate!r} is not one of the tied candidates ({', '.join(tie.tied)})", field="eliminate")
    return {
        "event": DECISION,
        "reasons": [f"round {tie.round}: eliminate {eliminate}"],
        "ids": {"kind": TIE, "round": str(tie.round), "eliminate": eliminate, "decided-by": decided_by},
        "once_key": f"{TIE}:{tie.round}",
    }


def tie_decisions(entries: Iterable[Entry]) -> list[TieDecision]:
    """The committee's recorded decisions on ties referred to it, in the order taken."""
    return [
        TieDecision(
            round=int(e.ids["round"]), eliminate=e.ids["eliminate"], decided_by=e.ids.get("decided-by", "Procedures Committee")
        )
        for e in entries
        if e.event == DECISION and e.ids.get("kind") == TIE
    ]


def open_ties(entries: list[Entry]) -> list[ReferredTie]:
    """Ties referred to the committee and not yet decided, oldest first."""
    decided = {d.round for d in tie_decisions(entries)}
    return [
        ReferredTie(int(e.ids["round"]), tuple(e.ids["tied"].split(" | ")), e.ids.get("flow-run"))
        for e in entries
        if e.event == REFERRED and int(e.ids["round"]) not in decided
    ]


def proceed_decision(entries: Iterable[Entry], contest: Contest) -> Entry | None:
    return next((e for e in entries if e.once_key == proceed_once_key(contest)), None)


def counting_returns(contest: Contest, entries: list[Entry], now: datetime) -> dict[str, str]:
    """Issue 6 item 1: the return that counts for each body (body id -> digest), once the count may start:
    the deadline has passed, the declaration key exists, and every registered body has a counting return
    or the Procedures Committee has recorded its decision to proceed without it."""
    if contest.deadline is not None and now <= contest.deadline:
        raise CollegeError(f"the returns deadline ({contest.deadline.isoformat()}) has not passed", field="returns_deadline")
    if not contest.declaration_public_key:
        raise CollegeError("no declaration key: hold the key ceremony first (`college ceremony run`)", field="declaration_public_key")
    declared = next((e for e in entries if e.event == DECLARED), None)
    if declared is not None:  # a second sealed result would be declared as a second result
        raise CollegeError(f"the result was declared (ledger position {declared.position}): no count after the "
                           "declaration; anyone recounts the published bundle with `college verify`", field="ledger")
    state = standings(contest, entries)
    if state.missing and proceed_decision(entries, contest) is None:
        raise CollegeError(
            f"no counting return from {', '.join(state.missing)}: the Procedures Committee must decide whether to "
            "proceed (`college decision proceed`)",
            field="register",
        )
    return {body: s.counting for body, s in state.bodies.items() if s.counting}


def procedural_record(contest: Contest, entries: list[Entry], ceremony: Ceremony | None = None) -> ProceduralRecord:
    state = standings(contest, entries)
    outcome = {}
    for e in entries:
        if e.once_key and e.once_key.startswith("outcome:"):
            outcome[e.object_hash] = e
    superseded = {d for s in state.bodies.values() for d in s.superseded}
    admitted = {e.object_hash: e for e in entries if e.event == ADMITTED}
    names = {b.id: b.name for b in contest.register}
    returns = []
    for e in entries:
        if e.event != RECEIVED or e.object_hash not in outcome:
            continue
        decided = outcome[e.object_hash]
        result = SUPERSEDED if e.object_hash in superseded else decided.event
        decision = "; ".join(admitted[e.object_hash].reasons) if e.object_hash in admitted else None
        if decision is None and decided.event == FLAGGED:
            decision = "not admitted by the Procedures Committee: not counted"
        returns.append(
            ReturnRecord(
                body=e.body or "(unknown)",
                body_name=names.get(e.body or "", e.body or "(not a registered body)"),
                submission=e.object_hash,
                received_at=datetime.fromisoformat(e.ids["received-at"]),
                outcome=result,
                reasons=list(decided.reasons),
                decision=decision,
            )
        )
    proceed = proceed_decision(entries, contest)
    missing = [
        MissingBody(body=b, body_name=names[b], decision="counted without it" if proceed else None) for b in state.missing
    ]
    decisions = [
        CommitteeDecision(
            subject=e.ids.get("kind", "decision"),
            decision="; ".join(e.reasons) or e.ids.get("eliminate", ""),
            decided_by=[e.ids["decided-by"]] if "decided-by" in e.ids else [],
            decided_at=e.time,
        )
        for e in entries
        if e.event == DECISION
    ]
    key_ceremony = None
    if ceremony is not None:
        key_ceremony = KeyCeremony(
            held_at=ceremony.held_at,
            participants=[m.name for m in ceremony.committee.members],
            quorum=ceremony.committee.quorum,
            members=len(ceremony.committee.members),
            declaration_key_id=key_id(ceremony.declaration_public_key),
        )
    return ProceduralRecord(
        returns=returns, missing=missing, decisions=decisions, tie_decisions=tie_decisions(entries), key_ceremony=key_ceremony
    )
