"""Selection meetings (seed 000 I.iv): each rule hand-worked, and the invariants of the eliminating ballot."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from college.errors import CollegeError
from college.meeting.ballot import Tally, check_tally, open_ballot, open_meeting, record, record_round
from college.meeting.selection import Selection
from college.count.rules import count
from tests.helpers import contest as college_contest
from tests.helpers import profile as college_profile

A, B, C, D, E = "Ann", "Bob", "Cat", "Dan", "Eve"


def single(*names: str) -> object:
    return open_ballot("ballot", names, seats=1, votes_per_member=1)


def tally(returned: int, votes: dict[str, int], spoilt: int = 0, blank: int = 0) -> Tally:
    return Tally(returned=returned, spoilt=spoilt, blank=blank, votes=votes)


def selection(**fields) -> Selection:
    base = {"ward": "Riverside", "seats": 1, "quorum": 10, "nominees": [{"name": n} for n in (A, B, C)]}
    return Selection.model_validate(base | fields)


# Rule 9: a majority of the votes cast, spoilt and blank papers deducted first.


def test_majority_counts_after_spoilt_and_blank_are_deducted():
    # 30 returned, 4 spoilt, 2 blank: 24 valid. Ann's 13 is a majority of 24, not of 30.
    ballot = record(single(A, B, C), tally(30, {A: 13, B: 7, C: 4}, spoilt=4, blank=2))
    assert ballot.outcome.action == "selected" and ballot.outcome.candidates == (A,)
    assert ballot.outcome.rule == "9"


def test_exactly_half_is_no_majority():
    # 24 valid, Ann 12: half is not an overall majority; Cat (5) eliminated: 5 < Bob's 7.
    ballot = record(single(A, B, C), tally(26, {A: 12, B: 7, C: 5}, spoilt=1, blank=1))
    assert ballot.outcome is None
    assert ballot.rounds[-1].answer.action == "eliminate"
    assert ballot.rounds[-1].answer.eliminated == (C,) and ballot.rounds[-1].answer.rule == "10"
    assert ballot.next.among == (A, B)


# Rule 10: the bottom nominee with any others whose votes added to those below do not equal the one above.


def test_batch_elimination_takes_the_group_that_cannot_reach_the_one_above():
    # Eve 2, Dan 3, Cat 4: 2+3+4 = 9 < Bob's 10, so all three go at once; 2+3 = 5 >= 4 alone would not stop it.
    ballot = record(single(A, B, C, D, E), tally(39, {A: 20 - 1, B: 10, C: 4, D: 3, E: 2}, blank=1))
    answer = ballot.rounds[0].answer
    assert answer.action == "eliminate" and set(answer.eliminated) == {C, D, E} and answer.rule == "10"
    assert ballot.next.among == (A, B)


def test_batch_stops_where_the_sum_reaches_the_one_above():
    # Eve 2 < Dan 3, but 2 + 3 = 5 equals Cat's 5: only Eve goes.
    ballot = record(single(A, B, C, D, E), tally(30, {A: 10, B: 10, C: 5, D: 3, E: 2}))
    assert ballot.rounds[0].answer.eliminated == (E,)


def test_a_vote_for_an_eliminated_nominee_is_refused():
    ballot = record(single(A, B, C), tally(20, {A: 8, B: 7, C: 5}))
    with pytest.raises(CollegeError, match="not on this paper"):
        record(ballot, tally(20, {A: 10, B: 5, C: 5}))


# Rule 11: several seats: remove the lowest until only the number required remain.


def test_multi_seat_stops_when_the_required_number_remain():
    ballot = open_ballot("ballot", (A, B, C, D), seats=2, votes_per_member=2)
    # 20 papers, up to 2 votes each. Dan 3 < Cat 9: Dan goes; 3 + 9 = 12 >= Bob's 12, so Cat stays.
    ballot = record(ballot, tally(20, {A: 14, B: 12, C: 9, D: 3}))
    assert ballot.rounds[0].answer.eliminated == (D,) and ballot.outcome is None
    # A fresh ballot of the three: Cat lowest; two remain and are selected (even though Ann has 15 of 20, there is no early stop).
    ballot = record(ballot, tally(20, {A: 15, B: 13, C: 8}))
    assert ballot.outcome.action == "selected" and ballot.outcome.candidates == (A, B) and ballot.outcome.rule == "11"


def test_multi_seat_batch_never_removes_below_the_seats():
    ballot = open_ballot("ballot", (A, B, C, D, E), seats=3, votes_per_member=3)
    # Eve 1 + Dan 2 + Cat 4 = 7 < Bob's 20 would take three, but only two may go: three seats.
    ballot = record(ballot, tally(20, {A: 20, B: 20, C: 4, D: 2, E: 1}))
    assert ballot.outcome.candidates == (A, B, C) and set(ballot.outcome.eliminated) == {D, E}


def test_more_votes_than_papers_times_seats_is_refused():
    ballot = open_ballot("ballot", (A, B, C), seats=2, votes_per_member=2)
    with pytest.raises(CollegeError, match="rules 7a, 8b"):
        record(ballot, tally(10, {A: 10, B: 8, C: 3}))


def test_fewer_votes_than_valid_papers_is_refused():
    with pytest.raises(CollegeError, match="blank"):
        record(single(A, B), tally(10, {A: 5, B: 4}))


def test_one_nominee_cannot_have_two_votes_on_a_paper():
    ballot = open_ballot("ballot", (A, B, C), seats=2, votes_per_member=2)
    with pytest.raises(CollegeError, match="one vote per nominee"):
        record(ballot, tally(10, {A: 11, B: 5, C: 0}))


def test_spoilt_and_blank_cannot_exceed_returned():
    with pytest.raises(CollegeError, match="rule 9"):
        record(single(A, B), tally(10, {A: 0, B: 0}, spoilt=6, blank=5))


def test_every_nominee_on_the_paper_is_entered():
    with pytest.raises(CollegeError, match="enter 0"):
        record(single(A, B, C), tally(10, {A: 6, B: 4}))


# Rule 12: a tie at the bottom whose votes together reach the next above goes to a separate ballot.


def test_tie_at_the_bottom_reaching_the_next_above_calls_a_separate_ballot():
    # Cat 5 and Dan 5 tie at the bottom; 5 + 5 = 10 >= Bob's 8: a separate ballot between them.
    ballot = record(single(A, B, C, D), tally(30, {A: 12, B: 8, C: 5, D: 5}))
    answer = ballot.rounds[0].answer
    assert answer.action == "separate-ballot" and set(answer.candidates) == {C, D} and answer.rule == "12"
    assert ballot.next.kind == "separate" and set(ballot.next.among) == {C, D} and ballot.next.votes_per_member == 1
    # The separate ballot of the 30 members: Dan fewer, so Dan is eliminated from the following round.
    ballot = record(ballot, tally(30, {C: 17, D: 13}))
    assert ballot.rounds[1].answer.eliminated == (D,) and ballot.rounds[1].answer.rule == "12"
    assert ballot.next.kind == "round" and ballot.next.among == (A, B, C)


def test_tie_at_the_bottom_short_of_the_next_above_goes_together_without_a_separate_ballot():
    # Cat 3 and Dan 3 tie, but 3 + 3 = 6 < Bob's 9: both are eliminated under rule 10.
    ballot = record(single(A, B, C, D), tally(27, {A: 12, B: 9, C: 3, D: 3}))
    answer = ballot.rounds[0].answer
    assert answer.action == "eliminate" and set(answer.eliminated) == {C, D} and answer.rule == "10"


def test_separate_ballot_tied_again_goes_to_another_separate_ballot():
    ballot = record(single(A, B, C, D), tally(30, {A: 12, B: 8, C: 5, D: 5}))
    ballot = record(ballot, tally(30, {C: 15, D: 15}))
    assert ballot.rounds[1].answer.action == "separate-ballot" and ballot.next.kind == "separate"


# Rule 13: a tie on the final round: no casting vote, a further ballot, then a fresh meeting.


def test_final_round_tie_calls_a_further_ballot_then_a_fresh_meeting():
    ballot = record(single(A, B), tally(20, {A: 10, B: 10}))
    answer = ballot.rounds[0].answer
    assert answer.action == "further-ballot" and answer.rule == "13" and "no casting vote" in answer.says
    assert ballot.next.kind == "further" and ballot.next.among == (A, B)
    ballot = record(ballot, tally(20, {A: 10, B: 10}))
    assert ballot.outcome.action == "fresh-meeting" and ballot.outcome.rule == "13" and ballot.next is None


def test_every_nominee_tied_is_a_final_round_tie_not_a_separate_ballot():
    # Ann, Bob and Cat 5 each for one seat: no one to eliminate below the tie, so the tie decides the
    # result (13: a further ballot among them), though one more removal would still leave two.
    ballot = record(single(A, B, C), tally(15, {A: 5, B: 5, C: 5}))
    assert ballot.rounds[0].answer.action == "further-ballot" and ballot.rounds[0].answer.rule == "13"
    assert ballot.next.kind == "further" and ballot.next.among == (A, B, C)


def test_further_ballot_that_resolves_selects():
    ballot = record(single(A, B), tally(20, {A: 10, B: 10}))
    ballot = record(ballot, tally(20, {A: 11, B: 9}))
    assert ballot.outcome.candidates == (A,) and ballot.outcome.rule == "9"


# Rule 8: the two-part positive-action ballot.


def test_part_one_with_a_single_woman_nominee_deems_her_selected():
    terms = selection(
        seats=3, positive_action=True, women_seats=1,
        nominees=[{"name": A, "woman": True}, {"name": B}, {"name": C}, {"name": D}, {"name": E}],
    )
    meeting = open_meeting(terms, present=20)
    first, second = meeting.ballots
    assert first.outcome.action == "deemed-selected" and first.outcome.candidates == (A,) and first.outcome.rule == "8a"
    # Part two: the two remaining seats among everyone else, Ann excluded; two votes a member.
    assert second.part == "part-two" and second.seats == 2 and A not in second.continuing
    assert meeting.next.among == (B, C, D, E) and meeting.next.votes_per_member == 2


def test_part_two_fills_every_seat_part_one_left_when_fewer_women_stand_than_seats_set_aside():
    # Two seats set aside, one woman shortlisted: she is deemed selected (8a), and part two
    # selects "the remaining candidate(s)": two of the three seats, not one.
    terms = selection(
        seats=3, positive_action=True, women_seats=2,
        nominees=[{"name": A, "woman": True}, {"name": B}, {"name": C}, {"name": D}],
    )
    meeting = open_meeting(terms, present=20)
    first, second = meeting.ballots
    assert first.outcome.action == "deemed-selected" and first.selected == (A,)
    assert second.seats == 2 and meeting.next.among == (B, C, D) and meeting.next.votes_per_member == 2
    meeting = record_round(meeting, tally(20, {B: 15, C: 14, D: 5}))
    assert meeting.outcome.action == "selected" and meeting.selected == (A, B, C)


def test_part_two_excludes_whom_part_one_selected():
    terms = selection(
        seats=2, positive_action=True, women_seats=1,
        nominees=[{"name": A, "woman": True}, {"name": B, "woman": True}, {"name": C}, {"name": D}],
    )
    meeting = open_meeting(terms, present=25)
    assert meeting.next.among == (A, B) and meeting.next.votes_per_member == 1
    meeting = record_round(meeting, tally(25, {A: 15, B: 10}))
    assert meeting.ballots[0].selected == (A,)
    # Bob... is a woman here too: part two is every nominee but Ann, women included.
    assert meeting.next.among == (B, C, D)
    meeting = record_round(meeting, tally(25, {B: 14, C: 8, D: 3}))
    assert meeting.outcome.action == "selected" and meeting.selected == (A, B)


def test_papers_returned_cannot_exceed_members_entitled_to_vote():
    meeting = open_meeting(selection(), present=12)
    with pytest.raises(CollegeError, match="rules 15, 17"):
        record_round(meeting, tally(13, {A: 7, B: 4, C: 2}))


# Rule 16: the quorum.


def test_without_a_quorum_the_selection_is_deferred_to_a_joint_meeting():
    meeting = open_meeting(selection(quorum=15), present=14)
    assert meeting.outcome.action == "deferred" and meeting.outcome.rule == "16" and meeting.next is None
    joint = open_meeting(selection(quorum=15), present=9, joint=True)
    assert joint.outcome is None and joint.next.among == (A, B, C)


def test_a_quorum_exactly_present_proceeds():
    meeting = open_meeting(selection(quorum=15), present=15)
    assert meeting.outcome is None and meeting.next.among == (A, B, C)


def test_selection_file_rules():
    with pytest.raises(ValueError, match="multi-seat"):
        selection(positive_action=True, women_seats=1)
    with pytest.raises(ValueError, match="woman nominee"):
        selection(seats=2, positive_action=True, women_seats=1)
    with pytest.raises(ValueError, match="shortlisted once"):
        selection(nominees=[{"name": A}, {"name": A}])
    with pytest.raises(ValueError, match="only under positive_action"):
        selection(seats=2, women_seats=1)


# Invariants, for any tallies the rules accept.


@st.composite
def rounds(draw):
    seats = draw(st.integers(1, 3))
    names = tuple(f"N{i}" for i in range(draw(st.integers(seats + 1, 6))))
    ballot = open_ballot("ballot", names, seats, seats)
    tallies = []
    for _ in range(8):
        valid = draw(st.integers(1, 40))
        votes = {}
        for name in names:
            votes[name] = draw(st.integers(0, valid))
        tallies.append((valid, votes))
    return ballot, tallies


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rounds())
def test_a_ballot_never_selects_more_than_its_seats_and_only_ever_removes(case):
    ballot, tallies = case
    for valid, votes in tallies:
        if ballot.next is None:
            break
        among = ballot.next.among
        marks = {name: min(votes[name], valid) for name in among}
        per = ballot.next.votes_per_member
        # Shape the drawn marks into a tally the rules accept: at least one and at most `per` votes a paper.
        while sum(marks.values()) > valid * per:
            top = max(marks, key=marks.get)
            marks[top] -= 1
        blank = max(0, valid - sum(marks.values()))
        entered = Tally(returned=valid, blank=blank, votes=marks)
        check_tally(ballot.next, entered)
        before = set(ballot.continuing)
        ballot = record(ballot, entered)
        assert set(ballot.continuing) <= before
        assert len(ballot.continuing) >= ballot.seats
        if ballot.outcome and ballot.outcome.action == "selected":
            assert len(ballot.outcome.candidates) == ballot.seats


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 12), min_size=2, max_size=6).filter(lambda v: sum(v) > 0))
def test_rule_10_reads_the_same_in_the_meeting_and_in_the_count(votes):
    """Rule 10 is written twice: for a meeting's fresh ballot (college/meeting/ballot.py) and for
    the count's first preferences (batch_elimination, college/count/rules.py). On the same votes
    for one seat they elect or remove the same nominees; a tie the meeting sends to a separate or
    further ballot is one the count's tie policy settles."""
    names = "ABCDEF"[: len(votes)]
    cast = dict(zip(names, votes))
    answer = record(single(*names), tally(sum(votes), cast)).rounds[0].answer
    result = count(college_contest(names, ("1",), batch_elimination=True), {
        "s0": college_profile(*[x for name, v in cast.items() if v for x in (name, v)])
    })
    first = result.rounds[0]
    if answer.rule == "9":
        assert first.elected == answer.candidates[0]
    elif answer.action in ("separate-ballot", "further-ballot"):
        assert first.tie_break is not None and first.tie_break.eliminated in answer.candidates
    else:
        assert sorted(first.eliminated) == sorted(answer.eliminated) and first.batch == (len(answer.eliminated) > 1)
