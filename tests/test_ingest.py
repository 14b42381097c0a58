"""What becomes of each submission, worked by hand: college/ingest.py over a real ledger, no Prefect.

The rules (DESIGN.md, Integrity; issue 4): a later valid return on time supersedes the one
that counted; a late one counts only once the committee admits it; a rejected one never
counts and keeps every reason; a submission naming no registered body is kept apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from college.errors import CollegeError
from college.ingest import (
    ACCEPTED,
    ADMITTED,
    LATE,
    RECEIVED,
    REJECTED,
    SUPERSEDED,
    admission_events,
    outcome_events,
    standings,
    unrecorded_supersessions,
)
from college.ledger import Ledger
from college.store import NotInStore, Store, StoreConflict
from tests.test_returns import make_world

UNION, SOCIETY = "makers-union", "fabian-readers"


class MemoryStore(Store):
    """Write-once in memory: the ledger's own rules, without a disk, so examples run fast."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}

    @property
    def uri(self) -> str:
        return "memory://test"

    def put(self, key, data):
        if key in self.objects:
            if self.objects[key] != data:
                raise StoreConflict("different bytes", field=key)
            return False
        self.objects[key] = data
        return True

    def get(self, key):
        if key not in self.objects:
            raise NotInStore("not in the store", field=key)
        return self.objects[key]

    def exists(self, key):
        return key in self.objects

    def stored_at(self, key):
        return datetime.now(UTC)

    def list(self, prefix=""):
        return sorted(k for k in self.objects if k.startswith(prefix))


@pytest.fixture(scope="module")
def contest():
    return make_world().contest


def sha(label: str) -> str:
    """A stand-in digest, readable in a failure: the label's letters padded to 64 hex digits."""
    return (label.encode().hex() + "0" * 64)[:64]


class Pipeline:
    """Records what the ingest flow records, in the same order: receipt, then the outcome events."""

    def __init__(self, contest):
        self.contest = contest
        self.ledger = Ledger(MemoryStore())

    def state(self):
        return standings(self.contest, self.ledger.entries())

    def receive(self, label: str, body: str | None) -> str:
        digest = sha(label)
        self.ledger.append(RECEIVED, body=body, object_hash=digest, once_key=f"received:{digest}")
        return digest

    def decide(self, label: str, body: str | None, accepted=True, late=False, reasons=()) -> list[dict]:
        digest = self.receive(label, body)
        standing = self.state().bodies.get(body or "")
        events = outcome_events(digest, body if standing else None, accepted, late, list(reasons), standing)
        for event in events:
            self.ledger.append(**event)
        return events

    def admit(self, label: str, body: str) -> list[dict]:
        events = admission_events(self.state().bodies[body], sha(label), "Procedures Committee")
        for event in events:
            self.ledger.append(**event)
        return events


def test_with_nothing_received_every_registered_body_is_missing(contest):
    state = Pipeline(contest).state()
    assert set(state.bodies) == {b.id for b in contest.register}
    assert state.missing == [b.id for b in contest.register]
    assert {s.state for s in state.bodies.values()} == {"missing"}
    assert state.unattributed == {}


def test_a_valid_return_on_time_is_accepted_and_counts(contest):
    run = Pipeline(contest)
    events = run.decide("first", UNION)
    assert events == [{"event": ACCEPTED, "object_hash": sha("first"), "body": UNION, "reasons": []}]
    union = run.state().bodies[UNION]
    assert union.state == "accepted" and union.counting == sha("first")
    assert UNION not in run.state().missing
    assert run.state().outcome_of(sha("first")) == ACCEPTED


def test_a_later_valid_return_supersedes_the_one_that_counted_and_both_are_kept(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    events = run.decide("second", UNION)
    assert [e["event"] for e in events] == [ACCEPTED, SUPERSEDED]
    assert events[1]["object_hash"] == sha("first") and events[1]["reasons"] == [f"superseded by {sha('second')}"]
    union = run.state().bodies[UNION]
    assert union.received == [sha("first"), sha("second")]
    assert union.counting == sha("second") and union.superseded == [sha("first")]


def test_a_third_return_supersedes_the_second_not_the_first_again(contest):
    run = Pipeline(contest)
    for label in ("first", "second"):
        run.decide(label, UNION)
    events = run.decide("third", UNION)
    assert events[1]["object_hash"] == sha("second")
    union = run.state().bodies[UNION]
    assert union.counting == sha("third") and union.superseded == [sha("first"), sha("second")]


def test_replaced_by_is_the_live_return_received_just_before(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    run.decide("broken", UNION, accepted=False, reasons=["returned-arithmetic: does not add up"])
    run.receive("second", UNION)  # received, not decided yet
    union = run.state().bodies[UNION]
    assert union.replaced_by(sha("second")) == sha("first")  # the rejected one in between never counted
    assert union.replaced_by(sha("first")) is None  # nothing counted before the first
    assert union.replaced_by(sha("never-received")) is None


def test_the_order_is_the_order_of_receipt_not_of_deciding(contest):
    """Outcomes are recorded in order of receipt (flows/ingest.py sorts them so): a return received
    earlier never supersedes one received later."""
    run = Pipeline(contest)
    run.receive("early", UNION)
    run.receive("later", UNION)
    union = run.state().bodies[UNION]
    assert union.replaced_by(sha("later")) is None  # 'early' is not live yet
    run.decide("early", UNION)
    assert run.state().bodies[UNION].replaced_by(sha("later")) == sha("early")


def test_a_rejected_return_never_counts_and_keeps_every_reason(contest):
    run = Pipeline(contest)
    reasons = ["returned-arithmetic: does not add up", "declaration-missing: the ineligible figure is missing"]
    events = run.decide("bad", UNION, accepted=False, reasons=reasons)
    assert events == [{"event": REJECTED, "object_hash": sha("bad"), "body": UNION, "reasons": reasons}]
    union = run.state().bodies[UNION]
    assert union.state == "rejected" and union.counting is None and union.rejected == {sha("bad"): reasons}
    assert UNION in run.state().missing


def test_a_rejected_return_after_an_accepted_one_supersedes_nothing(contest):
    run = Pipeline(contest)
    run.decide("good", UNION)
    events = run.decide("bad", UNION, accepted=False, reasons=["section: not the body's section"])
    assert [e["event"] for e in events] == [REJECTED]
    union = run.state().bodies[UNION]
    assert union.state == "accepted" and union.counting == sha("good") and union.superseded == []


def test_a_late_return_with_problems_is_rejected_not_late(contest):
    run = Pipeline(contest)
    events = run.decide("late-bad", UNION, accepted=False, late=True, reasons=["key-id: not the registered key"])
    assert [e["event"] for e in events] == [REJECTED]


def test_a_late_return_is_kept_and_counts_only_once_admitted(contest):
    run = Pipeline(contest)
    events = run.decide("late", SOCIETY, late=True)
    assert events == [
        {"event": LATE, "object_hash": sha("late"), "body": SOCIETY, "reasons": ["received after the returns deadline"]}
    ]
    society = run.state().bodies[SOCIETY]
    assert society.state == "late" and society.counting is None and SOCIETY in run.state().missing

    admitted = run.admit("late", SOCIETY)
    assert admitted == [
        {"event": ADMITTED, "object_hash": sha("late"), "body": SOCIETY, "reasons": ["admitted by Procedures Committee"]}
    ]
    society = run.state().bodies[SOCIETY]
    assert society.state == "admitted late" and society.counting == sha("late") and SOCIETY not in run.state().missing


def test_a_late_return_does_not_displace_the_one_on_time_until_admitted(contest):
    run = Pipeline(contest)
    run.decide("on-time", UNION)
    events = run.decide("late", UNION, late=True)
    assert [e["event"] for e in events] == [LATE]  # no supersession: the late one is only recorded
    assert run.state().bodies[UNION].counting == sha("on-time")

    events = run.admit("late", UNION)
    assert [(e["event"], e["object_hash"]) for e in events] == [(ADMITTED, sha("late")), (SUPERSEDED, sha("on-time"))]
    union = run.state().bodies[UNION]
    assert union.counting == sha("late") and union.superseded == [sha("on-time")] and union.state == "admitted late"


def test_only_a_late_return_can_be_admitted(contest):
    run = Pipeline(contest)
    run.decide("on-time", UNION)
    run.decide("bad", UNION, accepted=False, reasons=["scrutineer: not the registered one"])
    for label in ("on-time", "bad", "never-received"):
        with pytest.raises(CollegeError, match="is not a late return from makers-union"):
            admission_events(run.state().bodies[UNION], sha(label), "Procedures Committee")


def test_a_submission_naming_no_registered_body_is_kept_apart_with_its_reasons(contest):
    run = Pipeline(contest)
    reasons = ["unknown-affiliate: not in the register"]
    run.decide("stranger", "shadow-union", accepted=False, reasons=reasons)
    run.decide("unreadable", None, accepted=False, reasons=["envelope-json: not JSON"])
    state = run.state()
    assert state.unattributed == {sha("stranger"): reasons, sha("unreadable"): ["envelope-json: not JSON"]}
    assert state.outcome_of(sha("stranger")) == REJECTED
    assert all(not s.received for s in state.bodies.values())  # no registered body is charged with it
    assert state.outcome_of(sha("never-received")) is None


def test_the_same_digest_received_twice_is_one_submission(contest):
    run = Pipeline(contest)
    run.receive("once", UNION)
    run.ledger.append(RECEIVED, body=UNION, object_hash=sha("once"))  # even without the once key
    assert run.state().bodies[UNION].received == [sha("once")]


def test_bodies_stand_independently(contest):
    run = Pipeline(contest)
    run.decide("union", UNION)
    run.decide("society", SOCIETY)
    state = run.state()
    assert state.bodies[UNION].counting == sha("union") and state.bodies[SOCIETY].counting == sha("society")
    assert state.bodies[UNION].superseded == [] and state.bodies[SOCIETY].superseded == []


# One body's submissions in order of receipt: (accepted?, late?)
SUBMISSIONS = st.lists(st.tuples(st.booleans(), st.booleans()), max_size=8)


@settings(max_examples=60, deadline=None)
@given(SUBMISSIONS)
def test_what_counts_is_the_last_valid_return_on_time_and_every_other_valid_one_is_superseded(contest, submissions):
    run = Pipeline(contest)
    for number, (accepted, late) in enumerate(submissions):
        run.decide(f"s{number}", UNION, accepted=accepted, late=late)
    on_time = [sha(f"s{n}") for n, (accepted, late) in enumerate(submissions) if accepted and not late]
    union = run.state().bodies[UNION]
    assert union.counting == (on_time[-1] if on_time else None)
    assert union.superseded == on_time[:-1]
    assert len(union.received) == len(submissions)
    expected = "accepted" if on_time else "late" if any(a and lt for a, lt in submissions) else (
        "rejected" if submissions else "missing")
    assert union.state == expected


def test_the_accepting_entry_names_what_it_supersedes_so_a_crash_between_the_two_is_repaired(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    digest = run.receive("second", UNION)
    accepting, superseding = outcome_events(digest, UNION, True, False, [], run.state().bodies[UNION])
    assert accepting["ids"] == {"supersedes": sha("first")}
    run.ledger.append(**accepting)  # ... and the process dies before the second entry
    assert unrecorded_supersessions(run.ledger.entries()) == [superseding]
    run.ledger.append(**superseding)
    assert unrecorded_supersessions(run.ledger.entries()) == []
    assert run.state().bodies[UNION].superseded == [sha("first")]


def test_an_admission_that_replaces_a_return_names_it_too(contest):
    run = Pipeline(contest)
    run.decide("on-time", UNION)
    run.decide("late", UNION, late=True)
    admitting, superseding = admission_events(run.state().bodies[UNION], sha("late"), "Procedures Committee")
    run.ledger.append(**admitting)
    assert unrecorded_supersessions(run.ledger.entries()) == [superseding]
