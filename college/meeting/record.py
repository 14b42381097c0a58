"""A selection meeting kept in a store: the selection file and every round's tally write-once, each in the ledger.

The ledger is the record: `meeting-opened` names the opening (the selection file's bytes,
the members entitled to vote, whether it is the joint meeting of rule 16) and each
`meeting-round` names one tally, with the answer the rules gave as its reasons. The
meeting is rebuilt by replaying the tallies in ledger order through the rules, so what a
page or a sheet shows is always what the rules make of what was entered, and a round
entered twice by two tellers at once is refused, not counted twice.

A meeting's tallies are read out to the meeting as they are counted: they are not under
any embargo, unlike an electoral college's returns.
"""

from __future__ import annotations

import json

from college.errors import CollegeError
from college.ledger import Ledger
from college.events import MEETING_OPENED, MEETING_ROUND
from college.folders import OPENINGS, SELECTIONS, TALLIES
from college.meeting.ballot import Meeting, Tally, open_meeting, record_round
from college.meeting.selection import parse_selection
from college.model import Model
from college.signing import canonical, digest
from college.store import Store



class Opening(Model):
    selection_sha256: str
    present: int
    joint: bool


def open_record(store: Store, selection_bytes: bytes, *, file: str, present: int, joint: bool = False) -> Meeting:
    """Open a meeting in an empty store (the selection file checked first), and return it."""
    meeting = open_meeting(parse_selection(selection_bytes, file), present, joint=joint)
    ledger = Ledger(store)
    if ledger.head() is not None:
        raise CollegeError("this record already holds a meeting: give each meeting a record of its own", file=store.uri)
    store.put_content(SELECTIONS, selection_bytes)
    opening = canonical(Opening(selection_sha256=digest(selection_bytes), present=present, joint=joint).model_dump())
    store.put_content(OPENINGS, opening)
    entry = ledger.append(MEETING_OPENED, object_hash=digest(opening), reasons=_reasons(meeting), once_key=MEETING_OPENED)
    if entry.object_hash != digest(opening):
        raise CollegeError("another meeting was opened in this record at the same moment", file=store.uri)
    return meeting


def enter_round(store: Store, tally: Tally) -> Meeting:
    """Record the tellers' tally of the next paper and return the meeting after it."""
    meeting, entered = load_record(store)
    after = record_round(meeting, tally)  # refused here, with its rule, before anything is written
    data = canonical(tally.model_dump())
    store.put_content(TALLIES, data)
    entry = Ledger(store).append(MEETING_ROUND, object_hash=digest(data), reasons=_reasons(after), once_key=f"{MEETING_ROUND}-{entered + 1}")
    if entry.object_hash != digest(data):
        raise CollegeError(f"round {entered + 1} was entered by another teller first: check the record and enter again", field="round")
    return after


def load_record(store: Store) -> tuple[Meeting, int]:
    """The meeting as the ledger's tallies make it, and how many tallies it holds."""
    entries = Ledger(store).entries()
    if not entries or entries[0].event != MEETING_OPENED:
        raise CollegeError("no selection meeting has been opened in this record", file=store.uri)
    opening = Opening.model_validate(json.loads(store.get(f"{OPENINGS}/{entries[0].object_hash}")))
    selection_bytes = store.get(f"{SELECTIONS}/{opening.selection_sha256}")
    meeting = open_meeting(parse_selection(selection_bytes, SELECTIONS), opening.present, joint=opening.joint)
    rounds = [entry for entry in entries if entry.event == MEETING_ROUND]
    for entry in rounds:
        meeting = record_round(meeting, Tally.model_validate(json.loads(store.get(f"{TALLIES}/{entry.object_hash}"))))
    return meeting, len(rounds)


def _reasons(meeting: Meeting) -> list[str]:
    """The ledger's words for where the meeting stands: the last answer and its rule."""
    if meeting.outcome:
        return [f"rule {meeting.outcome.rule}: {meeting.outcome.action}"]
    rounds = meeting.ballot.rounds if meeting.ballot else ()
    answer = rounds[-1].answer if rounds else meeting.ballots[0].outcome if meeting.ballots and meeting.ballots[0].outcome else None
    return [f"rule {answer.rule}: {answer.action}"] if answer else ["ballot opened"]
