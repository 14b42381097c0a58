"""Margins and sensitivity, worked by hand (college/margins.py).

The contest: A, B, C; three sections of a third each.
    PLP         A 6   B 3   C 1    (10 papers)
    members     A 50  B 30  C 20   (100)
    affiliates  A 40  B 40  C 20   (100)
Round 1: A (0.6 + 0.5 + 0.4)/3 = 1/2 exactly (not more), B 1/3, C 1/6: C is eliminated.
C's papers rank nobody else, so they are non-transferable.
Round 2: A (6/9 + 50/80 + 40/80)/3 = (2/3 + 5/8 + 1/2)/3 = 43/72, 59.72%: A is elected.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from college.count.rules import count
from college.count.margins import (
    Uncounted,
    college_after,
    combined,
    least_to_lower,
    least_to_reach,
    margins,
    Recounts,
    round_bounds,
    sensitivity,
)
from tests.helpers import contest as make_contest
from tests.helpers import profile

CONTEST = make_contest("ABC")
PROFILES = {
    "plp": profile("A", 6, "B", 3, "C", 1),
    "members": profile("A", 50, "B", 30, "C", 20),
    "affiliates": profile("A", 40, "B", 40, "C", 20),
}


@pytest.fixture(scope="module")
def result():
    counted = count(CONTEST, PROFILES)
    assert [r.eliminated for r in counted.rounds] == [["C"], []] and counted.winner == "A"
    assert counted.rounds[1].college["A"].fraction == Fraction(43, 72)
    return counted


def test_the_arithmetic_of_the_fewest_papers():
    # (-2 + x)/(10 + x) >= 3/10  <=>  0.7x >= 5  <=>  x >= 7.14: 8 papers; 7 give 5/17 < 0.3
    assert least_to_reach(-2, 10, Fraction(3, 10), strict=False) == 8
    # (6 + x)/(10 + x) > 3/5: any one paper, 7/11 > 3/5; none leaves it equal
    assert least_to_reach(6, 10, Fraction(3, 5), strict=True) == 1
    assert least_to_reach(6, 10, Fraction(3, 5), strict=False) == 0
    assert least_to_reach(0, 0, Fraction(1, 2), strict=True) == 1  # an empty section: one paper is all of it
    assert least_to_reach(3, 10, Fraction(11, 10), strict=False) is None  # no section share exceeds one
    # 6/(9 + x) <= 3/8  <=>  x >= 7
    assert least_to_lower(6, 9, Fraction(3, 8)) == 7
    assert least_to_lower(6, 9, Fraction(0)) is None


def test_margins_at_the_bottom_and_the_top(result):
    found = {(m.round, m.where): m for m in margins(result)}
    assert set(found) == {(1, "bottom"), (1, "top"), (2, "top")}

    bottom = found[1, "bottom"]
    assert (bottom.candidate, bottom.against, bottom.papers_for) == ("C", "B", "C")
    assert bottom.gap.fraction == Fraction(1, 6) and bottom.gap.percent == "16.67"
    # PLP: the other sections put C 0.3/3 behind B, so C needs 3/10 of the PLP: (-2+x)/(10+x) >= 0.3, x = 8.
    # Members: 0.4/3 behind elsewhere: (-10+x)/(100+x) >= 0.4, x >= 83.3: 84. Affiliates: (-20+x)/(100+x) >= 0.3: 72.
    assert {p.section: p.papers for p in bottom.papers} == {"plp": 8, "members": 84, "affiliates": 72}

    top = found[1, "top"]
    assert (top.candidate, top.against) == ("A", "50%") and top.gap.fraction == 0
    assert {p.section: p.papers for p in top.papers} == {"plp": 1, "members": 1, "affiliates": 1}

    won = found[2, "top"]
    assert won.candidate == "A" and won.gap.fraction == Fraction(7, 72) and won.gap.percent == "9.72"
    # PLP: the others give A 3/8, so A may keep 3/8 of the PLP's third: 6/(9+x) <= 3/8, x = 7.
    # Members: 50/(80+x) <= 1/3, x = 70. Affiliates: 40/(80+x) <= 5/24, x = 112.
    assert {p.section: p.papers for p in won.papers} == {"plp": 7, "members": 70, "affiliates": 112}
    assert won.papers_for == "anyone else"


def test_each_margin_is_exact_one_paper_fewer_does_not_close_it(result):
    weights = {s.id: Fraction(s.weight) for s in result.sections}
    for margin in margins(result):
        round_ = result.rounds[margin.round - 1]
        for entry in margin.papers:
            if entry.papers is None:
                continue
            riser = margin.candidate if margin.papers_for != "anyone else" else next(
                n for n in round_.continuing if n != margin.candidate)

            def closes(x: int) -> bool:
                shares = college_after(round_, weights, {entry.section: {riser: x}})
                if margin.where == "bottom":
                    return shares[margin.candidate] >= shares[margin.against]
                if margin.papers_for == "anyone else":
                    return shares[margin.candidate] <= Fraction(1, 2)
                return shares[margin.candidate] > Fraction(1, 2)

            assert closes(entry.papers), (margin, entry)
            assert entry.papers == 0 or not closes(entry.papers - 1), (margin, entry)


def test_a_missing_body_that_could_not_have_changed_anything(result):
    # 50 papers in the affiliates' section: round 1 needs 72 (C level with B), round 2 needs 112.
    item = Uncounted(subject="Small Society", reason="missing: no return", section="affiliates", papers=50)
    verdict = sensitivity(result, item, Recounts(CONTEST, PROFILES))
    assert (verdict.elimination, verdict.winner) == ("could not", "could not")
    assert [(b.round, b.needed, b.could) for b in verdict.bounds] == [(1, 72, False), (2, 112, False)]
    assert verdict.bounds[0].change == "C level with or above B"
    assert verdict.bounds[1].change == "A held to 50% or less"
    assert not verdict.witnesses


def test_a_missing_body_that_could_have_changed_the_winner(result):
    # 150 papers ranking B alone in the affiliates: round 1 A 40/250, B 190/250, C 20/250: C still goes;
    # round 2 A (2/3 + 5/8 + 40/230)/3 = 48.85%, B (1/3 + 3/8 + 190/230)/3 = 51.15%: B is elected.
    item = Uncounted(subject="Big Union", reason="missing: no return", section="affiliates", papers=150)
    verdict = sensitivity(result, item, Recounts(CONTEST, PROFILES))
    assert verdict.winner == "could" and verdict.elimination == "could"
    assert "150 papers ranking B would have made B elected instead of A" in verdict.witnesses
    # 150 papers for C lift C to (0.1 + 0.2 + 170/250)/3 = 32.67%, above B's 25.33%: B goes first.
    assert "150 papers ranking C would have made round 1: B eliminated instead of C" in verdict.witnesses
    assert [b.could for b in verdict.bounds] == [True, True]


def test_a_missing_body_that_could_change_an_elimination_but_not_the_winner(result):
    """80 papers in the affiliates. Round 1: 72 for C take C past B, so B could go first. But then
    {A, C}: A has (6/7 + 50/70 + 40/140)/3 = 61.90% even with all 80 for C; and if C goes first,
    {A, B}: A has (6/9 + 50/80 + 40/160)/3 = 51.39% even with all 80 for B. Whatever the order,
    A is elected: the winner could not have changed."""
    item = Uncounted(subject="Mid Union", reason="missing: no return", section="affiliates", papers=80)
    verdict = sensitivity(result, item, Recounts(CONTEST, PROFILES))
    assert (verdict.elimination, verdict.winner) == ("could", "could not")
    assert verdict.witnesses == ["80 papers ranking C would have made round 1: B eliminated instead of C"]
    papers = Recounts(CONTEST, PROFILES)
    assert papers.winners({"affiliates": 80}) == {"A"}
    assert papers.winners({"affiliates": 150}) == {"A", "B"}  # with 150, B can win (the test above)
    batch = make_contest("ABC", weights=("1",), batch_elimination=True)
    assert Recounts(batch, {"s0": profile("A", 5, "B", 3, "C", 1)}).winners({"s0": 3}) is None  # not searched


def test_the_bound_and_the_recount_agree_at_the_margin(result):
    recount = Recounts(CONTEST, PROFILES).recount
    # 71 papers for C in the affiliates leave C just below B in round 1 (51/171 < 3/10 of the section);
    # 72 take C past B (52/172 > 3/10): B goes instead.
    assert recount({"affiliates": [(("C",), 71)]}).rounds[0].eliminated == ["C"]
    assert recount({"affiliates": [(("C",), 72)]}).rounds[0].eliminated == ["B"]
    assert not round_bounds(result, Uncounted(subject="x", reason="y", section="affiliates", papers=71))[0].could
    bounds = round_bounds(result, Uncounted(subject="x", reason="y", section="affiliates", papers=72))
    assert bounds[0].could


def test_papers_taken_away_from_a_counted_body(result):
    # A union counted in the affiliates with 40 papers beyond its certified count; its papers:
    # round 1 A 30, B 10; round 2 the same. Taking 40 of A's away in round 2: A's affiliates share
    # 0/40 = 0, A = (2/3 + 5/8 + 0)/3 = 43.06%: A would be held below 50%.
    body_rounds = [{"A": 30, "B": 10, "C": 0}, {"A": 30, "B": 10}]
    item = Uncounted(subject="Union", reason="papers issued above the certified count", section="affiliates",
                     papers=40, effect="removed", body_rounds=body_rounds)
    bounds = round_bounds(result, item)
    assert bounds[1].could and bounds[1].change == "A held to 50% or less"
    small = item.model_copy(update={"papers": 5})
    # 5 of A's taken: (2/3 + 5/8 + 35/75)/3 = 58.61%: still elected; in round 1 nothing changes either.
    assert not any(b.could for b in round_bounds(result, small))
    verdict = sensitivity(result, item, Recounts(CONTEST, PROFILES))
    assert (verdict.elimination, verdict.winner) == ("not ruled out", "not ruled out")


def test_everything_uncounted_together(result):
    items = [
        Uncounted(subject="a", reason="missing", section="affiliates", papers=40),
        Uncounted(subject="b", reason="missing", section="members", papers=30),
    ]
    # Each alone is short of every round's need (72 and 84 for C in round 1). Together, for C in round 1:
    # C (1/10 + 50/130 + 60/140)/3 = 30.44% passes B (3/10 + 30/130 + 40/140)/3 = 27.22%; and for B in
    # round 2: A (2/3 + 50/110 + 40/120)/3 = 48.48%, held below 50%.
    assert not any(b.could for item in items for b in round_bounds(result, item))
    together = combined(result, items)
    assert [(b.could, b.change) for b in together] == [(True, "C level with or above B"), (True, "A held to 50% or less")]


def test_an_unopposed_result_has_no_margins():
    single = make_contest("A")
    counted = count(single, {s.id: profile() for s in single.sections})
    assert margins(counted) == []
    item = Uncounted(subject="x", reason="y", section="plp", papers=10)
    assert sensitivity(counted, item, Recounts(single, {})).winner == "could not"


names = st.sampled_from("ABCD")
rankings = st.lists(names, unique=True, min_size=1, max_size=3).map(lambda ns: ">".join(ns))
section = st.lists(st.tuples(rankings, st.integers(1, 40)), min_size=1, max_size=8)
TRIALS = [("A",), ("B",), ("C",), ("D",), ("A", "B"), ("B", "C"), ("C", "D"), ("D", "A"), ("C", "A")]


def _counted(sections):
    contest = make_contest("ABCD")
    profiles = {sid: profile(*[x for pair in rows for x in pair]) for sid, rows in zip(("plp", "members", "affiliates"), sections)}
    return contest, profiles, count(contest, profiles)


@settings(max_examples=40, deadline=None)
@given(st.tuples(section, section, section), st.integers(0, 60), st.sampled_from(["plp", "members", "affiliates"]))
def test_could_not_is_never_contradicted_by_a_recount(sections, papers, where):
    """Soundness: when the bound says nothing could change, no ranking of the papers changes anything."""
    contest, profiles, counted = _counted(sections)
    if counted.status != "elected":
        return
    item = Uncounted(subject="x", reason="y", section=where, papers=papers)
    if any(b.could for b in round_bounds(counted, item)):
        return
    papers_ = Recounts(contest, profiles)
    winners = papers_.winners({where: papers})
    assert winners is not None and counted.winner in winners
    for ranking in TRIALS:
        other = papers_.recount({where: [(ranking, papers)]})
        assert other.winner == counted.winner
        assert [r.eliminated for r in other.rounds][: len(counted.rounds) - 1] == [r.eliminated for r in counted.rounds[:-1]]


@settings(max_examples=40, deadline=None)
@given(st.tuples(section, section, section), st.integers(1, 80), st.sampled_from(["plp", "members", "affiliates"]))
def test_the_search_for_winners_is_never_contradicted_by_a_recount(sections, papers, where):
    """Soundness of the search: every winner some added papers bring about is among those it finds."""
    contest, profiles, counted = _counted(sections)
    if counted.status != "elected":
        return
    search = Recounts(contest, profiles)
    winners = search.winners({where: papers})
    assert winners is not None and counted.winner in winners
    for ranking in TRIALS:
        other = search.recount({where: [(ranking, papers)]})
        if other.status == "elected":
            assert other.winner in winners, (ranking, winners)
