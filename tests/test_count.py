"""Hand-worked counts, one rule each (seed 003 items 23-27 and DESIGN.md 'The count').

Every figure asserted here was worked out by hand in the comment above it.
"""

import hashlib

import pytest

from college.count.rules import count
from college.errors import CollegeError
from college.count.result import TieDecision
from tests.helpers import contest, profile

ONE = ("1",)


def single(result_round):
    (section,) = result_round.sections
    return section


def test_non_transferable_papers_are_discounted_and_shares_are_of_valid_votes():
    # Round 1: A 4, B 3, C 2 of 9. C goes; "C>B" moves to B, "C" has no one left.
    # Round 2: A 4, B 4 of 8 valid, 1 non-transferable: each exactly one half.
    result = count(contest("ABC", ONE, tie_policy=["previous-rounds", "lot"], lot_seed="s"), {
        "s0": profile("A", 4, "B", 3, "C>B", 1, "C", 1)
    })
    r1, r2 = result.rounds[0], result.rounds[1]
    assert single(r1).votes == {"A": 4, "B": 3, "C": 2} and single(r1).non_transferable == 0
    assert r1.eliminated == ["C"]
    assert single(r2).votes == {"A": 4, "B": 4}
    assert single(r2).valid == 8 and single(r2).non_transferable == 1
    assert single(r2).shares["A"].exact == "1/2"
    assert r2.college["A"].exact == "1/2"


def test_exactly_half_is_not_elected():
    # Item 27 needs more than 50%: A's exact half in round 2 above elects nobody; the tie
    # for lowest is then settled by round 1 (B had 3 to A's 4) and A wins in round 3.
    result = count(contest("ABC", ONE, tie_policy=["previous-rounds", "lot"], lot_seed="s"), {
        "s0": profile("A", 4, "B", 3, "C>B", 1, "C", 1)
    })
    assert result.rounds[1].elected is None
    assert result.rounds[1].eliminated == ["B"]
    assert result.winner == "A" and result.rounds[2].elected == "A"
    assert [r.number for r in result.rounds] == [1, 2, 3]


def test_college_share_is_the_weighted_sum_of_section_shares():
    # PLP: A 2/3, B 1/3; members: A 1/4, B 3/4; affiliates: A 1/2, B 1/2.
    # A = (2/3 + 1/4 + 1/2) / 3 = 17/36; B = (1/3 + 3/4 + 1/2) / 3 = 19/36.
    result = count(contest("AB"), {
        "plp": profile("A", 2, "B", 1),
        "members": profile("A", 1, "B", 3),
        "affiliates": profile("A", 5, "B", 5),
    })
    (only,) = result.rounds
    assert only.college["A"].exact == "17/36" and only.college["B"].exact == "19/36"
    assert only.college["B"].percent == "52.78" and only.college["A"].percent == "47.22"
    assert [s.shares["A"].percent for s in only.sections] == ["66.667", "25.000", "50.000"]
    assert result.winner == "B" and result.status == "elected"


def test_comparisons_are_exact_where_floating_point_would_elect():
    # The 1981-1993 college: PLP 40%, members 30%, affiliates 30%.
    # A: 0.4 * 3/4 + 0.3 * 1/2 + 0.3 * 1/6 = exactly 1/2, which floats make 0.5000000000000001.
    assert 0.4 * (3 / 4) + 0.3 * (1 / 2) + 0.3 * (1 / 6) > 0.5
    result = count(contest("AB", ("2/5", "3/10", "3/10"), tie_policy=["candidate-order"]), {
        "plp": profile("A", 3, "B", 1),
        "members": profile("A", 1, "B", 1),
        "affiliates": profile("A", 1, "B", 5),
    })
    first = result.rounds[0]
    assert first.college["A"].exact == "1/2" and first.elected is None
    assert first.eliminated == ["B"]  # tied at one half; B is listed later
    assert result.winner == "A"


def test_section_with_no_valid_votes_gives_its_weight_to_nobody():
    # Weights 2/5, 2/5, 1/5. Round 1: A 3/5 and B 2/5 in both large sections, C all of the
    # small one: A 12/25, B 8/25, C 5/25. C goes and the affiliates' papers have no one left.
    # Round 2: A is still 12/25 = 48%: not elected, because 1/5 of the college goes to nobody.
    result = count(contest("ABC", ("2/5", "2/5", "1/5")), {
        "plp": profile("A", 3, "B", 2),
        "members": profile("A", 3, "B", 2),
        "affiliates": profile("C", 7),
    })
    r1, r2, r3 = result.rounds
    assert r1.college["C"].exact == "1/5" and r1.eliminated == ["C"] and r1.unallocated is None
    affiliates = r2.sections[2]
    assert affiliates.valid == 0 and affiliates.non_transferable == 7
    assert affiliates.note and "goes to nobody" in affiliates.note
    assert r2.unallocated.exact == "1/5"
    assert r2.college["A"].exact == "12/25" and r2.elected is None and r2.eliminated == ["B"]
    # Round 3: A has every valid paper in the two sections that have any: 4/5.
    assert r3.college["A"].exact == "4/5" and result.winner == "A"


def test_last_continuing_candidate_is_elected_and_the_result_says_how():
    # One paper in each section, each for a different candidate: all tied at 1/3. By candidate
    # order C goes, then B; A is then the only continuing candidate, with 1/3 of the college.
    result = count(contest("ABC", tie_policy=["candidate-order"]), {
        "plp": profile("A", 1), "members": profile("B", 1), "affiliates": profile("C", 1)
    })
    assert [r.eliminated for r in result.rounds] == [["C"], ["B"], []]
    assert result.winner == "A" and result.rounds[-1].college["A"].exact == "1/3"
    assert result.notes and "only continuing candidate" in result.notes[0]
    assert result.rounds[-1].unallocated.exact == "2/3"


def test_single_candidate_is_elected_unopposed_without_a_ballot():
    result = count(contest("A"), {"plp": profile(), "members": profile(), "affiliates": profile()})
    assert result.status == "unopposed" and result.winner == "A" and result.rounds == []


def test_candidate_with_no_votes_anywhere_is_shown_with_none_and_eliminated_first():
    # Round 1: A 3, B 2, C 0, D 1 of 6: A exactly half. C (nothing) goes first, alone.
    # Round 2: D goes, "D>A" moves to A. Round 3: A 4 of 6.
    result = count(contest("ABCD", ONE), {"s0": profile("A", 3, "B", 2, "D>A", 1)})
    r1 = result.rounds[0]
    assert single(r1).votes["C"] == 0 and r1.college["C"].exact == "0"
    assert [r.eliminated for r in result.rounds] == [["C"], ["D"], []]
    assert single(result.rounds[2]).votes == {"A": 4, "B": 2} and result.winner == "A"


def test_all_papers_of_a_section_exhausted_in_the_first_round():
    # Overvotes exhaust by default: every members' paper is an overvote, so that section has
    # no valid votes from round 1 and A wins on the other two thirds.
    result = count(contest("AB"), {
        "plp": profile("A", 2, "B", 1), "members": profile("A=B", 4), "affiliates": profile("A", 1)
    })
    first = result.rounds[0]
    assert first.sections[1].valid == 0 and first.sections[1].non_transferable == 4
    assert first.unallocated.exact == "1/3"
    assert first.college["A"].exact == "5/9" and result.winner == "A"


def test_blank_papers_never_enter_the_count_but_are_accounted_for():
    result = count(contest("AB", ONE), {"s0": profile("A", 2, "B", 1, "", 5)})
    assert result.sections[0].blank == 5 and result.sections[0].papers == 3
    assert single(result.rounds[0]).valid == 3 and single(result.rounds[0]).non_transferable == 0


# --- ties for the lowest college share -------------------------------------------------

# Round 1: A 12, B 4, C 5, D 2, E 3 (of 26). D goes: "D>B" makes B 6.
# Round 2: A 12, B 6, C 5, E 3. E goes: "E>C" makes C 6, the other two E papers exhaust.
# Round 3: A 12 of 24 is exactly half; B and C are tied on 6 for lowest.
#   previous-rounds: in round 2 C (5) was lower than B (6): C goes.
#   first-round:     in round 1 B (4) was lower than C (5): B goes.
#   candidate-order: C is listed after B: C goes.
TIED = dict(candidates="ABCDE", weights=ONE)
TIED_PAPERS = ("A", 12, "B", 4, "C", 5, "D>B", 2, "E>C", 1, "E", 2)


def tied_count(policy, decisions=(), seed="fixed before the count"):
    return count(contest(**TIED, tie_policy=policy, lot_seed=seed), {"s0": profile(*TIED_PAPERS)}, decisions)


def test_tie_broken_by_the_latest_earlier_round_where_they_differed():
    result = tied_count(["previous-rounds", "lot"])
    r3 = result.rounds[2]
    assert single(r3).votes == {"A": 12, "B": 6, "C": 6} and r3.college["A"].exact == "1/2"
    assert r3.eliminated == ["C"]
    assert r3.tie_break.method.value == "previous-rounds" and r3.tie_break.tied == ["B", "C"]
    assert "round 2" in r3.tie_break.detail
    assert result.tie_breaks == [r3.tie_break] and result.winner == "A"


def test_previous_rounds_looks_further_back_while_the_tied_were_level():
    # Round 1: A 8, B 3, C 4, D 1, E 2 (18). D goes ("D>B"): B 4. Round 2: A 8, B 4, C 4, E 2.
    # E goes (exhausts). Round 3: A 8 of 16, B 4, C 4: level in round 2, B lower in round 1.
    result = count(contest("ABCDE", ONE, tie_policy=["previous-rounds", "lot"], lot_seed="s"), {
        "s0": profile("A", 8, "B", 3, "C", 4, "D>B", 1, "E", 2)
    })
    tie = result.rounds[2].tie_break
    assert tie.eliminated == "B" and "round 1" in tie.detail and "round 2" not in tie.detail


def test_tie_broken_by_the_first_round():
    result = tied_count(["first-round", "lot"])
    assert result.rounds[2].eliminated == ["B"]
    assert result.rounds[2].tie_break.method.value == "first-round"


def test_tie_broken_by_candidate_order():
    result = tied_count(["candidate-order"])
    assert result.rounds[2].eliminated == ["C"]
    assert result.rounds[2].tie_break.method.value == "candidate-order"


def test_lot_is_the_documented_seeded_draw_and_reproducible():
    def documented_draw(seed):
        # college/count/ties.py: sha256 of "college-lot-v1", seed, contest id, round, sorted names, NUL-joined.
        message = "\0".join(["college-lot-v1", seed, "test", "3", "B", "C"]).encode()
        digest = hashlib.sha256(message).hexdigest()
        return ["B", "C"][int(digest, 16) % 2], digest

    outcomes = set()
    for seed in ("seed-1", "seed-2", "seed-3", "seed-4", "seed-5", "seed-6"):
        first, again = tied_count(["lot"], seed=seed), tied_count(["lot"], seed=seed)
        assert first == again
        expected, digest = documented_draw(seed)
        tie = first.rounds[2].tie_break
        assert tie.method.value == "lot" and tie.eliminated == expected and digest in tie.detail
        outcomes.add(expected)
    assert outcomes == {"B", "C"}, "the seed decides the draw"


def test_referred_tie_stops_the_count_until_the_committee_decides():
    stopped = tied_count(["refer"])
    assert stopped.status == "decision-needed" and stopped.winner is None
    assert stopped.decision_needed.round == 3 and stopped.decision_needed.tied == ["B", "C"]
    assert len(stopped.rounds) == 3 and stopped.rounds[2].eliminated == []

    decision = TieDecision(round=3, eliminate="B", decided_by="Procedures Committee", note="minute 12")
    resumed = tied_count(["refer"], [decision])
    assert resumed.status == "elected" and resumed.winner == "A"
    tie = resumed.rounds[2].tie_break
    assert tie.method.value == "refer" and tie.eliminated == "B" and "minute 12" in tie.detail
    assert resumed.rounds[:2] == stopped.rounds[:2]


def test_decision_must_name_a_tied_candidate():
    with pytest.raises(CollegeError, match="not one of the tied candidates"):
        tied_count(["refer"], [TieDecision(round=3, eliminate="A")])


def test_policy_is_applied_in_order_and_refers_only_what_it_cannot_settle():
    assert tied_count(["previous-rounds", "refer"]).rounds[2].eliminated == ["C"]


def test_the_last_candidate_standing_with_every_valid_vote_carries_no_note():
    # A 5, B 5 in one section: exactly half each, so no one is elected; B goes by candidate order
    # and A, alone, holds all of round 2. The note about weight going to nobody is not for her.
    result = count(contest("AB", ONE, tie_policy=["candidate-order"]), {"s0": profile("A", 5, "B", 5)})
    assert result.winner == "A" and result.rounds[1].continuing == ["A"] and result.notes == []


# --- batch elimination (seed 000 I.iv.10) ----------------------------------------------


def test_batch_elimination_removes_every_candidate_who_cannot_catch_the_one_above():
    # E 1, D 2, C 3, B 8, A 10: E+D+C = 6 < 8, so all three go together; E+D = 3 is not < 3.
    papers = profile("A", 10, "B", 8, "C>B", 3, "D>A", 2, "E", 1)
    batch = count(contest("ABCDE", ONE, batch_elimination=True), {"s0": papers})
    assert sorted(batch.rounds[0].eliminated) == ["C", "D", "E"] and batch.rounds[0].batch
    # Round 2: A 12, B 11 of 23, one exhausted.
    assert single(batch.rounds[1]).votes == {"A": 12, "B": 11} and batch.winner == "A"
    plain = count(contest("ABCDE", ONE), {"s0": papers})
    assert plain.rounds[0].eliminated == ["E"] and not plain.rounds[0].batch


def test_batch_stops_where_the_sum_equals_the_one_above():
    # E 1 < D 2, but E+D = 3 equals C's 3, E+D+C = 6 equals B's 6 (and 12 is not < 10): votes
    # that equal the one above are not "do not equal" (seed 000 I.iv.10), so only E goes.
    result = count(contest("ABCDE", ONE, batch_elimination=True), {
        "s0": profile("A", 10, "B", 6, "C", 3, "D", 2, "E", 1)
    })
    assert result.rounds[0].eliminated == ["E"] and not result.rounds[0].batch


def test_batch_leaves_a_tie_at_the_bottom_to_the_tie_policy():
    # D 2 and E 2 together (4) reach C (3), and with C (7) they reach B (6): no batch, so
    # a tie for lowest, settled by candidate order.
    result = count(contest("ABCDE", ONE, batch_elimination=True, tie_policy=["candidate-order"]), {
        "s0": profile("A", 10, "B", 6, "C", 3, "D", 2, "E", 2)
    })
    assert result.rounds[0].eliminated == ["E"] and result.rounds[0].tie_break.tied == ["D", "E"]


def test_batch_takes_tied_candidates_together_when_they_cannot_catch_the_next():
    result = count(contest("ABCDE", ONE, batch_elimination=True), {
        "s0": profile("A", 10, "B", 8, "C", 5, "D", 2, "E", 2)
    })
    assert sorted(result.rounds[0].eliminated) == ["D", "E"] and result.rounds[0].tie_break is None


def test_batch_elimination_is_refused_for_a_weighted_college():
    with pytest.raises(ValueError, match="only defined for a single-section count"):
        contest("ABC", batch_elimination=True)


# --- the contest and the inputs ---------------------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(weights=("1/3", "1/3", "1/4")), "sum to exactly 1"),
        (dict(weights=("1/2", "1/2", "0")), "weight must be positive"),
        (dict(weights=("1/2", "1/2", "a third")), "exact fraction"),
        (dict(candidates="ABA"), "appears more than once"),
        (dict(tie_policy=["previous-rounds"]), "must end with"),
        (dict(tie_policy=["lot"]), "lot_seed"),
        (dict(excluded=["A"]), "also a validly nominated candidate"),
    ],
)
def test_contest_rules(options, message):
    with pytest.raises(ValueError, match=message):
        contest(**{"candidates": "ABC", **options})


def test_every_section_needs_a_profile_and_no_other():
    c = contest("AB")
    with pytest.raises(CollegeError, match="no profile given for section 'affiliates'"):
        count(c, {"plp": profile("A", 1), "members": profile("A", 1)})
    with pytest.raises(CollegeError, match="not a section"):
        count(c, {"plp": profile(), "members": profile(), "affiliates": profile(), "cabinet": profile()})


def test_excluded_candidate_is_passed_over():
    # W withdrew after papers were printed: "W>B" counts for B, as if W were not there.
    result = count(contest("AB", ONE, excluded=["W"]), {"s0": profile("A", 2, "W>B", 3)})
    assert single(result.rounds[0]).votes == {"A": 2, "B": 3} and result.winner == "B"


@pytest.mark.parametrize(("duplicate", "b_in_round_2", "non_transferable"), [("exhaust", 3, 1), ("skip", 4, 0)])
def test_a_name_marked_twice_is_read_by_the_duplicate_rule_when_its_paper_moves(duplicate, b_in_round_2, non_transferable):
    # Round 1: A 1, B 3, C 2; A goes. "A>A>B" is read again from the top: A is not
    # continuing, then A again. Exhaust stops the paper there (B 3, 1 non-transferable);
    # skip passes over the repeat to B (B 4).
    rules = contest("ABC", ONE, ballots={"duplicate": duplicate})
    result = count(rules, {"s0": profile("A>A>B", 1, "B", 3, "C", 2)})
    r2 = single(result.rounds[1])
    assert result.rounds[0].eliminated == ["A"]
    assert r2.votes == {"B": b_in_round_2, "C": 2} and r2.non_transferable == non_transferable
