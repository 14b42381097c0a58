"""What becomes of each submission, worked by hand: college/ingest.py over a real ledger, no Prefect.

The rules (DESIGN.md, Integrity; issue 4): a later valid return on time supersedes the one
that counted; a late one counts only once the committee admits it; a rejected one never
counts and keeps every reason; a submission naming no registered body is kept apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from college.errors import CollegeError
from college.events import ACCEPTED, ADMITTED, LATE, RECEIVED, REJECTED, SUPERSEDED
from college.ingest import admission_event, outcome_event, record, record_supersessions, standings
from college.ledger import Ledger
from college.store import NotInStore, Store, StoreConflict
from tests.test_returns import make_world

UNION, SOCIETY = "makers-union", "fabian-readers"
T0 = datetime(2026, 8, 30, 9, tzinfo=UTC)


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
    """Records what the ingest flow records, in the same way: receipt, then the outcome and what it supersedes."""

    def __init__(self, contest):
        self.contest = contest
        self.ledger = Ledger(MemoryStore())
        self.clock = iter(T0 + timedelta(minutes=n) for n in range(1000))

    def state(self):
        return standings(self.contest, self.ledger.entries())

    def receive(self, label: str, body: str | None, at: datetime | None = None) -> str:
        digest = sha(label)
        at = at or next(self.clock)
        self.ledger.append(RECEIVED, body=body, object_hash=digest, ids={"received-at": at.isoformat()},
                           once_key=f"received:{digest}")
        return digest

    def _new(self, start: int) -> list[tuple[str, str]]:
        return [(e.event, e.object_hash) for e in self.ledger.entries()[start:]]

    def decide(self, label: str, body: str | None, accepted=True, late=False, reasons=(), receive=True):
        """Receive (unless already received) and decide; returns the (event, digest) pairs appended for the outcome."""
        digest = self.receive(label, body) if receive else sha(label)
        start = len(self.ledger.entries())
        state = self.state()
        event = outcome_event(digest, body if body in state.bodies else None, accepted, late, list(reasons))
        record(self.ledger, state, event, f"outcome:{digest}")
        return self._new(start)

    def admit(self, label: str, body: str):
        start = len(self.ledger.entries())
        state = self.state()
        record(self.ledger, state, admission_event(state.bodies[body], sha(label), "Procedures Committee"),
               f"admitted:{sha(label)}")
        return self._new(start)


def test_with_nothing_received_every_registered_body_is_missing(contest):
    state = Pipeline(contest).state()
    assert set(state.bodies) == {b.id for b in contest.register}
    assert state.missing == [b.id for b in contest.register]
    assert {s.state for s in state.bodies.values()} == {"missing"}
    assert state.unattributed == {}


def test_a_valid_return_on_time_is_accepted_and_counts(contest):
    run = Pipeline(contest)
    assert run.decide("first", UNION) == [(ACCEPTED, sha("first"))]
    assert outcome_event(sha("first"), UNION, True, False, []) == {
        "event": ACCEPTED, "object_hash": sha("first"), "body": UNION, "reasons": []}
    union = run.state().bodies[UNION]
    assert union.state == "accepted" and union.counting == sha("first")
    assert UNION not in run.state().missing
    assert run.state().outcome_of(sha("first")) == ACCEPTED


def test_a_later_valid_return_supersedes_the_one_that_counted_and_both_are_kept(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    assert run.decide("second", UNION) == [(ACCEPTED, sha("second")), (SUPERSEDED, sha("first"))]
    superseded = run.ledger.find(f"superseded:{sha('first')}")
    assert superseded.reasons == [f"superseded by {sha('second')}"] and superseded.body == UNION
    union = run.state().bodies[UNION]
    assert union.received == [sha("first"), sha("second")]
    assert union.counting == sha("second") and union.superseded == [sha("first")]


def test_a_third_return_supersedes_the_second_not_the_first_again(contest):
    run = Pipeline(contest)
    for label in ("first", "second"):
        run.decide(label, UNION)
    assert run.decide("third", UNION) == [(ACCEPTED, sha("third")), (SUPERSEDED, sha("second"))]
    union = run.state().bodies[UNION]
    assert union.counting == sha("third") and union.superseded == [sha("first"), sha("second")]


def test_a_rejected_return_in_between_changes_nothing(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    run.decide("broken", UNION, accepted=False, reasons=["returned-arithmetic: does not add up"])
    assert run.decide("second", UNION) == [(ACCEPTED, sha("second")), (SUPERSEDED, sha("first"))]


def test_the_order_is_the_stores_order_of_receipt_not_the_order_of_recording(contest):
    """A file the store could not give in one run is recorded in a later one: received earlier
    by the store, it is superseded at once by the return the store received after it."""
    run = Pipeline(contest)
    run.receive("early", UNION, at=T0)
    run.receive("later", UNION, at=T0 + timedelta(minutes=5))
    run.decide("later", UNION, receive=False)
    # the early one's outcome is recorded last, yet the later return still counts
    assert run.decide("early", UNION, receive=False) == [(ACCEPTED, sha("early")), (SUPERSEDED, sha("early"))]
    assert run.ledger.find(f"superseded:{sha('early')}").reasons == [f"superseded by {sha('later')}"]
    union = run.state().bodies[UNION]
    assert union.received == [sha("early"), sha("later")] and union.counting == sha("later")


def test_a_rejected_return_never_counts_and_keeps_every_reason(contest):
    run = Pipeline(contest)
    reasons = ["returned-arithmetic: does not add up", "declaration-missing: the ineligible figure is missing"]
    assert run.decide("bad", UNION, accepted=False, reasons=reasons) == [(REJECTED, sha("bad"))]
    assert run.ledger.find(f"outcome:{sha('bad')}").reasons == reasons
    union = run.state().bodies[UNION]
    assert union.state == "rejected" and union.counting is None and union.rejected == {sha("bad"): reasons}
    assert UNION in run.state().missing


def test_a_rejected_return_after_an_accepted_one_supersedes_nothing(contest):
    run = Pipeline(contest)
    run.decide("good", UNION)
    assert run.decide("bad", UNION, accepted=False, reasons=["section: not the body's section"]) == [(REJECTED, sha("bad"))]
    union = run.state().bodies[UNION]
    assert union.state == "accepted" and union.counting == sha("good") and union.superseded == []


def test_a_late_return_with_problems_is_rejected_not_late(contest):
    run = Pipeline(contest)
    assert run.decide("late-bad", UNION, accepted=False, late=True, reasons=["key-id: not the registered key"]) == [
        (REJECTED, sha("late-bad"))]


def test_the_committee_cannot_admit_a_late_return_made_before_the_one_that_counts():
    # Admitting it would change nothing today (the one made last counts), but the committee would
    # have signed an admission of old figures: it is refused, naming the rule.
    from college.ingest import Standing

    standing = Standing(SOCIETY, "Fabian Readers", "affiliates")
    for label in ("counts", "older", "newer"):
        standing.receive(sha(label), T0)
    standing.accepted.append(sha("counts"))
    standing.late += [sha("older"), sha("newer")]
    standing.made_at = {sha("counts"): T0, sha("older"): T0 - timedelta(hours=1), sha("newer"): T0 + timedelta(hours=1)}
    with pytest.raises(CollegeError, match="older-return"):
        admission_event(standing, sha("older"), "Procedures Committee")
    assert admission_event(standing, sha("newer"), "Procedures Committee")["event"] == ADMITTED


def test_a_late_return_is_kept_and_counts_only_once_admitted(contest):
    run = Pipeline(contest)
    assert run.decide("late", SOCIETY, late=True) == [(LATE, sha("late"))]
    assert run.ledger.find(f"outcome:{sha('late')}").reasons == ["received after the returns deadline"]
    society = run.state().bodies[SOCIETY]
    assert society.state == "late" and society.counting is None and SOCIETY in run.state().missing

    assert run.admit("late", SOCIETY) == [(ADMITTED, sha("late"))]
    assert run.ledger.find(f"admitted:{sha('late')}").reasons == ["admitted by Procedures Committee"]
    society = run.state().bodies[SOCIETY]
    assert society.state == "admitted late" and society.counting == sha("late") and SOCIETY not in run.state().missing


def test_a_late_return_does_not_displace_the_one_on_time_until_admitted(contest):
    run = Pipeline(contest)
    run.decide("on-time", UNION)
    assert run.decide("late", UNION, late=True) == [(LATE, sha("late"))]  # recorded only
    assert run.state().bodies[UNION].counting == sha("on-time")

    assert run.admit("late", UNION) == [(ADMITTED, sha("late")), (SUPERSEDED, sha("on-time"))]
    union = run.state().bodies[UNION]
    assert union.counting == sha("late") and union.superseded == [sha("on-time")] and union.state == "admitted late"


def test_only_a_late_or_flagged_return_can_be_admitted(contest):
    run = Pipeline(contest)
    run.decide("on-time", UNION)
    run.decide("bad", UNION, accepted=False, reasons=["scrutineer: not the registered one"])
    for label in ("on-time", "bad", "never-received"):
        with pytest.raises(CollegeError, match="is not a late or flagged return from makers-union"):
            admission_event(run.state().bodies[UNION], sha(label), "Procedures Committee")


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


def test_a_supersession_a_crash_left_out_is_recorded_by_the_next_run(contest):
    run = Pipeline(contest)
    run.decide("first", UNION)
    digest = run.receive("second", UNION)
    run.ledger.append(**outcome_event(digest, UNION, True, False, []), once_key=f"outcome:{digest}")
    # ... and the process dies before recording the supersession
    state = run.state()
    assert state.bodies[UNION].counting == sha("second")  # what counts is right even so
    assert state.bodies[UNION].supersessions() == [
        {"event": SUPERSEDED, "object_hash": sha("first"), "body": UNION, "reasons": [f"superseded by {digest}"]}]
    record_supersessions(run.ledger, state, state.bodies[UNION])
    record_supersessions(run.ledger, state, state.bodies[UNION])  # once only
    assert run.state().bodies[UNION].superseded == [sha("first")]
    assert [e.event for e in run.ledger.entries()].count(SUPERSEDED) == 1


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



# One body's returns in order of receipt: (the minute it says it was made, a copy of an earlier one's signed content?)
MADE = st.lists(st.tuples(st.integers(0, 4), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(MADE)
def test_the_return_made_last_counts_whatever_order_they_arrive_in(contest, made):
    """Supersession by the signed made_at (DESIGN.md, Integrity): the first return received of those
    made last counts; a return made no later than the one counting is refused, and a copy of an
    earlier return's signed content is a duplicate, never counted again."""
    from college.ingest import Checked, checked_event

    run = Pipeline(contest)
    made_at, contents = {}, {}
    for number, (minute, copy) in enumerate(made):
        digest = run.receive(f"r{number}", UNION)
        content = contents[sha(f"r{number - 1}")] if copy and number else f"content-{number}"
        contents[digest] = content
        made_at[digest] = minute if not (copy and number) else made_at[sha(f"r{number - 1}")]
        when = (T0 + timedelta(minutes=made_at[digest])).isoformat()
        item = Checked(digest, UNION, True, False, (), (), content=content, made_at=when)
        record(run.ledger, run.state(), checked_event(run.state(), item), f"outcome:{digest}")
    union = run.state().bodies[UNION]
    first_of_each = {}
    for digest in union.received:
        first_of_each.setdefault(contents[digest], digest)
    latest = max(made_at[d] for d in first_of_each.values())
    assert union.counting == next(d for d in union.received if made_at[d] == latest)
    assert set(union.duplicates) == set(union.received) - set(first_of_each.values())
    assert set(union.accepted) <= set(first_of_each.values())
    assert union.superseded == [d for d in union.accepted if d != union.counting]
    # Each return accepted was made strictly after every one accepted before it.
    times = [made_at[d] for d in union.accepted]
    assert times == sorted(set(times))
