"""Breakdowns of every round, worked by hand (college/breakdowns.py).

The contest: A, B, C; three sections of a third each. The affiliates' section has two bodies:
    union    A 30, B>C 20, C>A 10          (60 papers)
    society  B 5, C>B 15, C 5              (25 papers)
With the PLP (A 5, B 4, C 1) and members (A 40, B 35, C>B 25):
round 1 college: A (5/10 + 40/100 + 30/85)/3 = 41.76%, B (4/10 + 35/100 + 25/85)/3 = 34.80%,
C (1/10 + 25/100 + 30/85)/3 = 23.43%: C is eliminated.
Round 2, the affiliates: the union's C>A 10 go to A (40), the society's C>B 15 to B (B 20 + 5 + 15 = 40),
its C 5 are non-transferable. B: (4/9 + 60/100 + 40/80)/3 = 51.48%: B is elected.
"""

from __future__ import annotations

from college.count.breakdowns import Reader, group_rounds, transfers
from college.count.rules import count
from tests.helpers import contest as make_contest
from tests.helpers import profile

CONTEST = make_contest("ABC")
UNION = profile("A", 30, "B>C", 20, "C>A", 10)
SOCIETY = profile("B", 5, "C>B", 15, "C", 5)
PROFILES = {
    "plp": profile("A", 5, "B", 4, "C", 1),
    "members": profile("A", 40, "B", 35, "C>B", 25),
    "affiliates": UNION + SOCIETY,
}


def test_each_body_followed_through_the_rounds_adds_up_to_its_section():
    result = count(CONTEST, PROFILES)
    assert [r.eliminated for r in result.rounds] == [["C"], []] and result.winner == "B"
    reader = Reader(result, CONTEST)
    union = group_rounds(reader, "affiliate", "union", "Union", "affiliates", UNION.rankings)
    society = group_rounds(reader, "affiliate", "society", "Society", "affiliates", SOCIETY.rankings)

    assert [(r.votes, r.non_transferable) for r in union.rounds] == [
        ({"A": 30, "B": 20, "C": 10}, 0),
        ({"A": 40, "B": 20}, 0),
    ]
    assert [(r.votes, r.non_transferable) for r in society.rounds] == [
        ({"A": 0, "B": 5, "C": 20}, 0),
        ({"A": 0, "B": 20}, 5),
    ]
    assert union.papers == 60 and society.papers == 25
    for round_, u, s in zip(result.rounds, union.rounds, society.rounds):
        section = next(x for x in round_.sections if x.id == "affiliates")
        assert {n: u.votes[n] + s.votes[n] for n in round_.continuing} == section.votes
        assert u.non_transferable + s.non_transferable == section.non_transferable


def test_what_each_body_passed_on_when_a_candidate_was_eliminated():
    result = count(CONTEST, PROFILES)
    reader = Reader(result, CONTEST)
    society = group_rounds(reader, "affiliate", "society", "Society", "affiliates", SOCIETY.rankings)
    moves = {(m.round, m.sources, m.target): m.papers for m in transfers(society, result)}
    assert moves == {(1, ("C",), "A"): 0, (1, ("C",), "B"): 15, (1, ("C",), None): 5}
    union = group_rounds(reader, "affiliate", "union", "Union", "affiliates", UNION.rankings)
    assert {m.target: m.papers for m in transfers(union, result)} == {"A": 10, "B": 0, None: 0}


def test_papers_are_read_by_the_contests_rules():
    # With max_skipped_ranks 0 (the default), a gap stops a paper: "C>->A" is non-transferable once C goes.
    result = count(CONTEST, PROFILES)
    group = group_rounds(Reader(result, CONTEST), "clp", "x", "X", "members", profile("C>->A", 3, "C>A", 2).rankings)
    assert [(r.votes, r.non_transferable) for r in group.rounds] == [({"A": 0, "B": 0, "C": 5}, 0), ({"A": 2, "B": 0}, 3)]
