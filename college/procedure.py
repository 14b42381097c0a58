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
from datetime import datetime

from college.ceremony import Ceremony
from college.contest import Contest
from college.declaration import CommitteeDecision, KeyCeremony, MissingBody, ProceduralRecord, ReturnRecord
from college.ingest import ADMITTED, RECEIVED, standings
from college.ledger import Entry
from college.result import TieDecision
from college.signing import key_id

DECISION = "decision"
PROCEED = "proceed"
TIE = "tie"


def proceed_once_key(contest: Contest) -> str:
    return f"{PROCEED}:{contest.id}"


def tie_once_key(round_number: int) -> str:
    return f"{TIE}:{round_number}"


def tie_decisions(entries: Iterable[Entry]) -> list[TieDecision]:
    """The committee's recorded decisions on ties referred to it, in the order taken."""
    return [
        TieDecision(
            round=int(e.ids["round"]), eliminate=e.ids["eliminate"], decided_by=e.ids.get("decided-by", "Procedures Committee")
        )
        for e in entries
        if e.event == DECISION and e.ids.get("kind") == TIE
    ]


def proceed_decision(entries: Iterable[Entry], contest: Contest) -> Entry | None:
    return next((e for e in entries if e.once_key == proceed_once_key(contest)), None)


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
        result = "superseded" if e.object_hash in superseded else decided.event
        decision = "; ".join(admitted[e.object_hash].reasons) if e.object_hash in admitted else None
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
