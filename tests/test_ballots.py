"""Hand-worked readings of single papers (college/ballots.py) and names checked on reading.

A paper is written as in tests/helpers.py: "A>B" ranks A then B, "-" is an unmarked
preference and "A=B" marks A and B at one preference (an overvote). Each test says, above
its assertion, what the rule makes of the paper.
"""

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from college.ballots import preference
from college.contest import BallotRules
from college.count.rules import count
from college.errors import CollegeError
from college.profile import read_profile
from tests.helpers import contest, profile

ABCD = {"A", "B", "C", "D"}


def paper(text: str):
    (ranking,) = profile(text, 1).rankings
    return ranking


def read(text: str, continuing=ABCD, **rules) -> str | None:
    return preference(paper(text), continuing, BallotRules(**rules))


# --- overvotes ----------------------------------------------------------------------------


def test_overvote_exhaust_stops_the_paper_even_below_a_continuing_name():
    # A=B at preference 1 stops the paper: C below it is never reached.
    assert read("A=B>C", overvote="exhaust") is None


def test_overvote_exhaust_does_not_touch_a_paper_that_counts_above_it():
    # A is continuing at preference 1; the overvote below is never read.
    assert read("A>B=C", overvote="exhaust") == "A"


def test_overvote_skip_passes_over_the_overvoted_preference():
    # A=B is passed over; C at preference 2 counts.
    assert read("A=B>C", overvote="skip") == "C"


def test_overvote_skip_at_the_last_preference_leaves_the_paper_non_transferable():
    assert read("A>B=C", {"B", "C"}, overvote="skip") is None


def test_exhaust_if_multiple_continuing_stops_when_two_marked_names_continue():
    # A and B both continue: the voter's choice between them cannot be known.
    assert read("A=B>C", overvote="exhaust-if-multiple-continuing") is None


def test_exhaust_if_multiple_continuing_counts_for_the_only_marked_name_left():
    # A is eliminated, so of A=B only B continues: the paper counts for B, not C.
    assert read("A=B>C", {"B", "C", "D"}, overvote="exhaust-if-multiple-continuing") == "B"


def test_exhaust_if_multiple_continuing_passes_over_when_none_continues():
    # A and B are both eliminated: the overvote is passed over and C counts.
    assert read("A=B>C", {"C", "D"}, overvote="exhaust-if-multiple-continuing") == "C"


# --- skipped preferences ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, continuing, limit, expected",
    [
        # A counts at preference 1 whatever lies below.
        ("A>->->D", {"A", "D"}, 0, "A"),
        # A blank before the only mark: a gap of one.
        ("->A", {"A"}, 0, None),
        ("->A", {"A"}, 1, "A"),
        # A eliminated; one blank before C: allowed with limit 1 and no limit, not with 0.
        ("A>->C", {"C"}, 0, None),
        ("A>->C", {"C"}, 1, "C"),
        ("A>->C", {"C"}, None, "C"),
        # Two blanks before C: only no limit lets the paper go on.
        ("A>->->C", {"C"}, 1, None),
        ("A>->->C", {"C"}, None, "C"),
        # A gap is measured between marks: an eliminated name after one blank resets it.
        ("->B>->D", {"D"}, 1, "D"),
        ("->B>->->D", {"D"}, 1, None),
    ],
)
def test_skipped_preference_limits(text, continuing, limit, expected):
    assert read(text, continuing, max_skipped_ranks=limit) == expected


def test_an_overvote_is_a_mark_for_the_gap_count():
    # The overvote at preference 2 is passed over (skip) but it is a mark, so C follows no gap.
    assert read("A>B=D>C", {"C"}, overvote="skip", max_skipped_ranks=0) == "C"


# --- repeated names -----------------------------------------------------------------------


def test_duplicate_skip_passes_over_a_name_already_marked():
    # A eliminated; its repeat at preference 3 is passed over and C counts.
    assert read("A>B>A>C", {"C", "D"}, duplicate="skip") == "C"


def test_duplicate_exhaust_stops_the_paper_at_the_repeat():
    # A eliminated, B eliminated, then A again: the paper stops before C.
    assert read("A>B>A>C", {"C", "D"}, duplicate="exhaust") is None


def test_duplicate_exhaust_does_not_touch_a_paper_that_counts_above_the_repeat():
    assert read("A>B>A>C", {"B", "C"}, duplicate="exhaust") == "B"


def test_duplicate_skip_counts_a_name_whose_earlier_mark_was_a_passed_over_overvote():
    # A=B is passed over, so A's mark at preference 2 is its first valid one: it counts.
    assert read("A=B>A>C", overvote="skip", duplicate="skip") == "A"


def test_duplicate_exhaust_counts_a_name_in_an_earlier_overvote_as_a_repeat():
    # A was marked (in the overvote) above, so A again stops the paper.
    assert read("A=B>A>C", overvote="skip", duplicate="exhaust") is None


# --- excluded candidates ------------------------------------------------------------------


def test_excluded_candidate_is_passed_over_like_an_eliminated_one():
    # W withdrew: never continuing, so W>B counts for B from round 1, and W is never tallied.
    result = count(contest("AB", ("1",), excluded=["W"]), {"s0": profile("W>B", 3, "A", 2, "W", 1)})
    (section,) = result.rounds[0].sections
    assert section.votes == {"A": 2, "B": 3} and section.non_transferable == 1
    assert result.winner == "B"


def test_excluded_candidate_marked_first_still_counts_for_the_gap_rule():
    # W is a mark: B directly after it follows no gap, with a limit of 0.
    assert read("W>B", {"A", "B"}, max_skipped_ranks=0) == "B"


# --- the answer is always a continuing candidate or nothing -------------------------------

marks = st.one_of(
    st.just(()),
    st.tuples(st.sampled_from("ABCDW")),
    st.lists(st.sampled_from("ABCD"), min_size=2, max_size=3, unique=True).map(tuple),
)


@given(
    ranking=st.lists(marks, max_size=6).map(tuple),
    continuing=st.sets(st.sampled_from("ABCD")),
    overvote=st.sampled_from(["exhaust", "skip", "exhaust-if-multiple-continuing"]),
    limit=st.sampled_from([0, 1, 2, None]),
    duplicate=st.sampled_from(["skip", "exhaust"]),
)
def test_a_paper_counts_for_a_continuing_candidate_it_marks_or_for_no_one(
    ranking, continuing, overvote, limit, duplicate
):
    rules = BallotRules(overvote=overvote, max_skipped_ranks=limit, duplicate=duplicate)
    choice = preference(ranking, continuing, rules)
    assert choice is None or (choice in continuing and any(choice in mark for mark in ranking))
    # Eliminating a candidate the paper does not count for never changes whom it counts for.
    for other in continuing - {choice}:
        if overvote != "exhaust-if-multiple-continuing":
            assert preference(ranking, continuing - {other}, rules) == choice


# --- a name that is not a candidate is an error naming file, row and name -----------------


def _contest():
    return contest("ABC", ("1",), excluded=["W"])


def test_unknown_name_in_csv_names_the_file_line_and_name(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("rank1,rank2\nA,B\nB,W\nC,Zed\n", encoding="utf-8")
    with pytest.raises(CollegeError) as error:
        read_profile(path, _contest())
    message = str(error.value)
    assert str(path) in message and "line 4" in message and "rank2" in message and "'Zed'" in message


def test_unknown_name_in_parquet_names_the_file_row_and_name(tmp_path):
    path = tmp_path / "members.parquet"
    pl.DataFrame({"rank1": ["A", "B", "Zed"], "rank2": ["B", None, "A"]}).write_parquet(path)
    with pytest.raises(CollegeError) as error:
        read_profile(path, _contest())
    message = str(error.value)
    assert str(path) in message and "row 3" in message and "rank1" in message and "'Zed'" in message


def test_unknown_name_in_profile_json_names_the_file_ballot_and_name(tmp_path):
    path = tmp_path / "members.json"
    path.write_text(
        '{"candidates": ["A", "B", "C"], "ballots": [{"ranking": ["A"], "count": 2}, '
        '{"ranking": ["B", ["C", "Zed"]], "count": 1}]}',
        encoding="utf-8",
    )
    with pytest.raises(CollegeError) as error:
        read_profile(path, _contest())
    message = str(error.value)
    assert str(path) in message and "ballots[1]" in message and "'Zed'" in message


def test_an_excluded_name_is_read_and_passed_over_not_an_error(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("rank1,rank2,count\nW,B,3\nA,,2\nW,,1\n", encoding="utf-8")
    result = count(_contest(), {"s0": read_profile(path, _contest())})
    (section,) = result.rounds[0].sections
    assert section.votes == {"A": 2, "B": 3, "C": 0} and section.non_transferable == 1


def test_an_overvote_in_a_csv_cell_is_read_with_the_contest_delimiter(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("rank1,rank2\nA|B,C\nA,\n", encoding="utf-8")
    skip = contest("ABC", ("1",), ballots={"overvote": "skip"})
    assert read_profile(path, skip).rankings == {(("A", "B"), ("C",)): 1, (("A",),): 1}


def test_a_contest_file_asks_for_no_skip_limit_with_unlimited(tmp_path):
    import json

    import jsonschema

    from college.contest import load_contest
    from tests.conftest import REPO

    path = tmp_path / "contest.toml"
    path.write_text(
        'id = "t"\nposition = "Leader"\ncandidates = ["A", "B"]\ntie_policy = ["candidate-order"]\n'
        '[[sections]]\nid = "s"\nname = "S"\nweight = "1"\n[ballots]\nmax_skipped_ranks = "unlimited"\n'
    )
    rules = load_contest(path).ballots
    assert rules.max_skipped_ranks is None
    assert preference(((), (), (), ("B",)), {"A", "B"}, rules) == "B"
    schema = json.loads((REPO / "schemas" / "contest.schema.json").read_text())
    jsonschema.validate({"max_skipped_ranks": "unlimited"}, schema["$defs"]["BallotRules"])
