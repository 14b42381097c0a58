"""One-member-one-vote contests with voter categories, block-vote colleges and display rounding,
worked by hand.

The small contest below has one section and three voter categories. Its papers:

    members     A>B 5, B 4, C>A 2      round 1: A 5, B 4, C 2 (11)
    registered  A 2, C>B 3             round 1: A 2, C 3      (5)
    affiliated  B 3, C 1               round 1: B 3, C 1      (4)

Pooled, round 1 is A 7, B 7, C 6 of 20: nobody has more than half, C is lowest (30%) and is
eliminated, although C leads the registered supporters (60%): the categories are one pool,
not three counts. C's papers move: the members' two to A, the registered supporters' three to
B, the affiliated supporter's one stops. Round 2: A 9, B 10, 1 non-transferable, 19 valid;
B has 10/19 = 52.63% of votes and is elected. By category, round 2: members A 7, B 4 (63.64 /
36.36); registered A 2, B 3 (40.00 / 60.00); affiliated A 0, B 3, 1 non-transferable
(0.00 / 100.00).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import tomlkit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from college.contest import Category, Contest
from college.count.rules import count
from college.declaration import build_declaration
from college.electorate import Voter, at_or_before, check, read_roll, refusal
from college.errors import CollegeError
from college.reports.html import render_html
from college.reports.tables import build_report
from college.reports.terminal import result_renderable
from college.returns import check_return, make_return
from college.count.shares import table_percents
from college.signing import public_text
from college.tally import tally
from tests.helpers import profile

PAPERS = {
    "members": profile("A>B", 5, "B", 4, "C>A", 2),
    "registered": profile("A", 2, "C>B", 3),
    "affiliated": profile("B", 3, "C", 1),
}


def omov(**changes) -> Contest:
    data = {
        "id": "omov-test",
        "position": "Leader",
        "candidates": ["A", "B", "C"],
        "lot_seed": "fixed before the count",
        "sections": [{"id": "omov", "name": "Members and supporters", "weight": "1"}],
        "display": {"section_decimals": 2, "college_decimals": 2},
        "categories": [
            {"id": "members", "name": "Party members", "joined_by": "2016-01-12"},
            {
                "id": "registered",
                "name": "Registered supporters",
                "registration_opens": "2016-07-18T17:00:00+01:00",
                "registration_closes": "2016-07-20T17:00:00+01:00",
            },
            {"id": "affiliated", "name": "Affiliated supporters", "joined_by": "2016-01-12", "registration_closes": "2016-08-08"},
        ],
    }
    data.update(changes)
    return Contest.model_validate(data)


# --- the count: one pool, every round by category ----------------------------------------------


def test_the_categories_are_counted_as_one_pool():
    result = count(omov(), PAPERS)
    first, second = result.rounds
    assert first.sections[0].votes == {"A": 7, "B": 7, "C": 6} and first.sections[0].valid == 20
    assert first.eliminated == ["C"]
    assert second.sections[0].votes == {"A": 9, "B": 10}
    assert (second.sections[0].valid, second.sections[0].non_transferable) == (19, 1)
    assert result.winner == "B" and second.college["B"].fraction == Fraction(10, 19)
    assert second.college["B"].percent == "52.63"


def test_every_round_is_given_by_category():
    first, second = count(omov(), PAPERS).rounds
    by_id = {c.id: c for c in first.sections[0].categories}
    assert [c.id for c in first.sections[0].categories] == ["members", "registered", "affiliated"]
    assert by_id["registered"].votes == {"A": 2, "B": 0, "C": 3}
    assert by_id["registered"].shares["C"].percent == "60.00"  # C leads here, and is still eliminated
    by_id = {c.id: c for c in second.sections[0].categories}
    assert (by_id["members"].votes, by_id["members"].shares["A"].percent) == ({"A": 7, "B": 4}, "63.64")
    assert (by_id["registered"].votes, by_id["registered"].shares["B"].percent) == ({"A": 2, "B": 3}, "60.00")
    assert (by_id["affiliated"].votes, by_id["affiliated"].non_transferable) == ({"A": 0, "B": 3}, 1)
    assert by_id["affiliated"].shares["B"].percent == "100.00"
    # The categories add up to the pool, round by round.
    for round_ in (first, second):
        section = round_.sections[0]
        assert {n: sum(c.votes[n] for c in section.categories) for n in section.votes} == section.votes
        assert sum(c.non_transferable for c in section.categories) == section.non_transferable


def test_the_result_and_the_table_say_of_votes_not_of_the_college():
    result = count(omov(), PAPERS)
    assert result.has_college is False
    assert [c.papers for c in result.sections[0].categories] == [11, 5, 4]
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(result_renderable(result))
    text = console.export_text()
    assert "B is elected with 52.63% of votes in round 2." in text
    assert "% of votes" in text and "of the college" not in text and "College %" not in text
    assert "Round 2 by voter category" in text and "Registered supporters" in text


def test_a_category_profile_is_needed_for_each_category():
    papers = dict(PAPERS)
    del papers["registered"]
    with pytest.raises(CollegeError, match="no profile given for voter category of section 'omov', 'registered'"):
        count(omov(), papers)
    with pytest.raises(CollegeError, match="profile given for 'omov'"):
        count(omov(), {**PAPERS, "omov": profile("A", 1)})


# --- eligibility by category --------------------------------------------------------------------


CATEGORIES = {c.id: c for c in omov().categories}


@pytest.mark.parametrize(
    ("joined", "eligible"),
    [
        (date(2016, 1, 12), True),  # on the freeze date: in
        (datetime(2016, 1, 12, 23, 59, tzinfo=UTC), True),  # a freeze date covers its whole day
        (date(2016, 1, 13), False),  # the day after: out
        (datetime(2016, 3, 1, 10, tzinfo=UTC), False),
    ],
)
def test_a_member_who_joined_after_the_freeze_date_cannot_vote(joined, eligible):
    why = refusal(CATEGORIES["members"], Voter(voter="m1", category="members", joined=joined))
    assert (why is None) == eligible
    if not eligible:
        assert "after the freeze date 2016-01-12 (joined_by)" in why




@pytest.mark.parametrize(
    ("registered", "why"),
    [
        ("2016-07-18T17:00:00+01:00", None),  # the window opens at 5pm: in
        ("2016-07-20T17:00:00+01:00", None),  # and closes at 5pm two days later: in
        ("2016-07-20T16:00:00+00:00", None),  # the same instant as 5pm BST
        ("2016-07-18T16:59:59+01:00", "before the registration window opened"),
        ("2016-07-20T17:00:01+01:00", "after the registration window closed"),
        ("2016-07-21T09:00:00+01:00", "after the registration window closed"),
    ],
)
def test_a_supporter_registered_outside_the_window_cannot_vote(registered, why):
    found = refusal(CATEGORIES["registered"], Voter(voter="r1", category="registered", registered=datetime.fromisoformat(registered)))
    assert found is None if why is None else why in found


def test_a_registration_known_only_by_its_day_is_inside_a_window_opening_or_closing_that_day():
    registered = CATEGORIES["registered"]
    for day in (date(2016, 7, 18), date(2016, 7, 20)):
        assert refusal(registered, Voter(voter="r", category="registered", registered=day)) is None
    assert "before the registration window opened" in refusal(registered, Voter(voter="r", category="registered", registered=date(2016, 7, 17)))


def test_eligibility_needs_the_dates_its_rules_ask_for():
    assert "no joining date" in refusal(CATEGORIES["members"], Voter(voter="m", category="members"))
    assert "no registration date" in refusal(CATEGORIES["registered"], Voter(voter="r", category="registered"))
    # An affiliated supporter: in the affiliate by the freeze date, and signed up by 8 August.
    affiliated = CATEGORIES["affiliated"]
    assert refusal(affiliated, Voter(voter="a", category="affiliated", joined=date(2015, 5, 1), registered=date(2016, 8, 8))) is None
    assert "joined_by" in refusal(affiliated, Voter(voter="a", category="affiliated", joined=date(2016, 2, 1), registered=date(2016, 8, 1)))
    assert "registration_closes" in refusal(
        affiliated, Voter(voter="a", category="affiliated", joined=date(2015, 5, 1), registered=date(2016, 8, 9))
    )
    assert at_or_before(datetime(2016, 1, 12, 9, tzinfo=UTC), date(2016, 1, 12))


def test_a_roll_is_checked_category_by_category(tmp_path):
    roll = tmp_path / "roll.csv"
    roll.write_text(
        "voter,category,joined,registered\n"
        "m1,members,2015-06-01,\n"
        "m2,members,2016-03-01,\n"  # joined after the freeze date
        "r1,registered,,2016-07-19T12:00:00+01:00\n"
        "r2,registered,,2016-07-21T09:00:00+01:00\n"  # registered after the window
        "x1,observers,,\n",
        encoding="utf-8",
    )
    checked = check(omov(), read_roll(roll))
    assert checked.eligible == {"members": 1, "registered": 1, "affiliated": 0}
    assert [(v, c) for v, c, _ in checked.refused] == [("m2", "members"), ("r2", "registered"), ("x1", "observers")]
    assert "not a voter category" in checked.refused[2][2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("voter,category,joined\nm1,members,12/01/2016\n", "line 2, joined: '12/01/2016' is not a date"),
        ("voter,category,joined\nm1,members,2016-01-12T10:00:00\n", "needs a time zone offset"),
        ("voter,joined\nm1,2016-01-12\n", "'category' is missing"),
        ("voter,category\n,members\n", "line 2, voter: a voter id is needed"),
    ],
)
def test_a_bad_roll_gets_one_line_naming_the_file_line_and_field(tmp_path, text, message):
    roll = tmp_path / "roll.csv"
    roll.write_text(text, encoding="utf-8")
    with pytest.raises(CollegeError, match=message) as caught:
        read_roll(roll)
    assert str(roll) in str(caught.value)


def test_a_voter_on_the_roll_twice_is_refused_not_counted_twice(tmp_path):
    # One person, one vote: a repeated id would count twice in the category's eligible total,
    # the certified count its returns must carry.
    roll = tmp_path / "roll.csv"
    roll.write_text("voter,category,joined\nm1,members,2015-06-01\nm1,members,2015-06-01\n", encoding="utf-8")
    with pytest.raises(CollegeError, match="line 3, voter: 'm1' is on the roll more than once") as caught:
        read_roll(roll)
    assert str(roll) in str(caught.value)


# --- returns carry the category; certified counts per category ---------------------------------


def omov_with_register(**category_changes) -> tuple[Contest, dict[str, Ed25519PrivateKey]]:
    keys = {b: Ed25519PrivateKey.generate() for b in ("ballot-members", "ballot-registered", "union-x", "union-y")}
    register = [
        (b, kind, category, certified)
        for b, kind, category, certified in (
            ("ballot-members", "party_ballot", "members", 20),
            ("ballot-registered", "party_ballot", "registered", 6),
            ("union-x", "trade_union", "affiliated", 3),
            ("union-y", "trade_union", "affiliated", 2),
        )
    ]
    contest = omov(
        register=[
            {
                "id": b, "name": b, "kind": kind, "section": "omov", "category": category,
                "certified_members": certified, "declaration_required": False,
                "scrutineer": f"Scrutineer of {b}", "public_key": public_text(keys[b]),
            }
            for b, kind, category, certified in register
        ],
    )
    data = contest.model_dump(mode="json")
    for category in data["categories"]:
        category.update(category_changes.get(category["id"], {}))
    return Contest.model_validate(data), keys


def _return(contest: Contest, body: str, papers, issued: int, **changes):
    ret = make_return(contest, body, papers, papers_issued=issued, papers_returned=papers.papers, spoilt=0, other_invalid=0)
    return ret.model_copy(update=changes)


def test_a_return_carries_its_category_and_counts_in_the_pool():
    contest, _ = omov_with_register()
    returns = {
        "d1": _return(contest, "ballot-members", PAPERS["members"], 20),
        "d2": _return(contest, "ballot-registered", PAPERS["registered"], 6),
        "d3": _return(contest, "union-x", profile("B", 2), 3),
        "d4": _return(contest, "union-y", profile("B", 1, "C", 1), 2),
    }
    assert returns["d3"].category == "affiliated"
    assert all(not [p for p in check_return(r, contest) if p.severity == "error"] for r in returns.values())
    counted = tally(contest, "contest file", returns)
    assert set(counted.profiles) == {"members", "registered", "affiliated"}
    assert counted.result.winner == "B" and counted.result.rounds[1].sections[0].votes == {"A": 9, "B": 10}
    # The declaration keeps one profile per category, so a re-count of the bundle reproduces it.
    text = tomlkit.dumps(contest.model_dump(mode="json", exclude_none=True))
    declaration = build_declaration(
        counted.model_copy(update={"contest_file": text}),
        declared_at=datetime(2016, 9, 24, 12, tzinfo=UTC), declared_by=["A. Member"],
        sealed_result_digest="0" * 64, ledger_head="1" * 64,
    )
    assert set(declaration.profiles) == {"members", "registered", "affiliated"}
    # The reports say "of votes", not "of the college": there is no college.
    report = build_report(declaration)
    assert report.statement.text == "B is elected Leader with 52.63% of votes in round 2."
    page = render_html(report)
    assert "% of votes</th>" in page and "College %" not in page and "% of college" not in page


def test_a_return_with_another_category_or_certified_count_is_refused():
    contest, _ = omov_with_register()
    wrong = _return(contest, "union-x", profile("B", 2), 3, category="members")
    assert "category" in {p.rule for p in check_return(wrong, contest)}
    uncertified = _return(contest, "union-x", profile("B", 2), 3, certified_members=4)
    assert "certified-members" in {p.rule for p in check_return(uncertified, contest)}


def test_the_register_certifies_each_categorys_electorate():
    omov_with_register(affiliated={"electorate": 5})  # 3 + 2: agrees
    with pytest.raises(ValidationError, match="bodies of category 'affiliated' certify 5 voters, its electorate is 6"):
        omov_with_register(affiliated={"electorate": 6})


# --- the contest file's rules for categories and block votes ------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": [{"id": "omov", "name": "Clash"}]}, "'omov' is also a section id"),
        ({"categories": [{"id": "m", "name": "M", "section": "nowhere"}]}, "names section 'nowhere'"),
        ({"categories": [{"id": "m", "name": "M"}, {"id": "m", "name": "N"}]}, "categories.id: 'm' appears more than once"),
        (
            {"categories": [{"id": "r", "name": "R", "registration_opens": "2016-07-20", "registration_closes": "2016-07-18"}]},
            "registration_opens is after registration_closes",
        ),
        ({"categories": [{"id": "m", "name": "M", "joined_by": "2016-01-12T17:00:00"}]}, "needs a time zone offset"),
    ],
)
def test_the_categories_are_checked(changes, message):
    with pytest.raises(ValidationError, match=message):
        omov(**changes)


def test_a_college_with_categories_says_which_section_each_belongs_to():
    sections = [{"id": "plp", "name": "PLP", "weight": "1/2"}, {"id": "omov", "name": "Others", "weight": "1/2"}]
    with pytest.raises(ValidationError, match="'m' must name its section"):
        omov(sections=sections, categories=[{"id": "m", "name": "M"}])
    contest = omov(sections=sections, categories=[{"id": "m", "name": "M", "section": "omov"}])
    assert contest.has_college and [c.id for c in contest.categories_of("omov")] == ["m"]
    assert contest.categories_of("plp") == []


def test_a_body_in_a_section_with_categories_must_name_one():
    contest, _ = omov_with_register()
    data = contest.model_dump(mode="json")
    data["register"][0]["category"] = None
    with pytest.raises(ValidationError, match="body 'ballot-members' must name its voter category"):
        Contest.model_validate(data)
    data["register"][0]["category"] = "observers"
    with pytest.raises(ValidationError, match="names category 'observers', which is not a category of its section"):
        Contest.model_validate(data)


def block_college(**affiliates) -> Contest:
    return Contest.model_validate(
        {
            "id": "1992-test",
            "position": "Leader",
            "candidates": ["Smith", "Gould"],
            "lot_seed": "fixed",
            "sections": [
                {"id": "affiliates", "name": "Trade unions", "weight": "2/5", "papers": "block-votes", "unit": 1000, **affiliates},
                {"id": "clps", "name": "CLPs", "weight": "3/10", "papers": "block-votes"},
                {"id": "plp", "name": "PLP", "weight": "3/10"},
            ],
        }
    )


def test_block_votes_are_a_section_whose_papers_are_delegations_votes():
    contest = block_college()
    assert [s.votes_label for s in contest.sections] == ["block votes (thousands)", "block votes", "votes"]
    papers = {"affiliates": profile("Smith", 4822, "Gould", 187), "clps": profile("Smith", 597, "Gould", 12),
              "plp": profile("Smith", 229, "Gould", 68)}
    result = count(contest, papers)
    assert [s.votes_label for s in result.sections] == ["block votes (thousands)", "block votes", "votes"]
    # 0.4 x 4822/5009 + 0.3 x 597/609 + 0.3 x 229/297 = 91.0469%
    assert result.rounds[0].college["Smith"].fraction == (
        Fraction(2, 5) * Fraction(4822, 5009) + Fraction(3, 10) * Fraction(597, 609) + Fraction(3, 10) * Fraction(229, 297)
    )
    from rich.console import Console

    console = Console(width=240, record=True)
    console.print(result_renderable(result))
    text = console.export_text()
    assert "block votes (thousands)" in text and "of the college" in text


def test_only_block_votes_are_counted_in_units():
    with pytest.raises(ValidationError, match="only block votes are counted in units"):
        block_college(papers="ballots")


# --- display rounding ---------------------------------------------------------------------------


def test_largest_remainder_makes_a_row_add_to_exactly_100():
    thirds = {"A": Fraction(1, 3), "B": Fraction(1, 3), "C": Fraction(1, 3)}
    assert table_percents(thirds, 1, "half-up") == {"A": "33.3", "B": "33.3", "C": "33.3"}  # 99.9
    # One tenth is missing; the remainders tie, so it goes to the earlier row.
    assert table_percents(thirds, 1, "largest-remainder") == {"A": "33.4", "B": "33.3", "C": "33.3"}
    shares = {"A": Fraction(2, 3), "B": Fraction(1, 6), "C": Fraction(1, 6)}
    assert table_percents(shares, 0, "half-up") == {"A": "67", "B": "17", "C": "17"}  # 101
    # Floors 66 + 16 + 16 = 98; the two missing units go to the largest remainders (all 0.67:
    # the larger share first, then the earlier row).
    assert table_percents(shares, 0, "largest-remainder") == {"A": "67", "B": "17", "C": "16"}
    # The larger share first even when it is the later row.
    later = {"A": Fraction(1, 6), "B": Fraction(1, 6), "C": Fraction(2, 3)}
    assert table_percents(later, 0, "largest-remainder") == {"A": "17", "B": "16", "C": "67"}


def test_the_display_rule_never_changes_who_is_eliminated_or_elected():
    by_rule = {rule: count(omov(display={"rounding": rule, "section_decimals": 1, "college_decimals": 1}), PAPERS)
               for rule in ("half-up", "largest-remainder")}
    half, largest = by_rule["half-up"], by_rule["largest-remainder"]
    assert [r.eliminated for r in half.rounds] == [r.eliminated for r in largest.rounds] and half.winner == largest.winner
    assert [r.college["B"].exact for r in half.rounds] == [r.college["B"].exact for r in largest.rounds]
    # Round 2: 9/19 = 47.368% and 10/19 = 52.632%; both rules show 47.4 / 52.6.
    assert {n: s.percent for n, s in largest.rounds[1].college.items()} == {"A": "47.4", "B": "52.6"}


def test_a_category_has_its_own_decimal_places():
    result = count(omov(display={"section_decimals": 1, "college_decimals": 1, "category_decimals": 3}), PAPERS)
    members = result.rounds[0].sections[0].categories[0]
    assert members.shares["A"].percent == "45.455" and result.rounds[0].college["A"].percent == "35.0"


def test_categories_model_defaults():
    category = Category(id="m", name="M")
    assert category.section is None and category.joined_by is None and category.electorate is None


def test_college_count_takes_each_voter_categorys_profile():
    from typer.testing import CliRunner

    from college.cli import app

    folder = Path(__file__).resolve().parent.parent / "examples" / "history" / "2020-leader"
    parts = [f"--section={c}={folder / c}.json" for c in ("members", "registered", "affiliated")]
    result = CliRunner().invoke(app, ["count", str(folder / "contest.toml"), *parts, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["has_college"] is False and document["winner"] == "Keir Starmer"
    members = document["rounds"][0]["sections"][0]["categories"][0]
    assert (members["id"], members["votes"]["Keir Starmer"], members["shares"]["Keir Starmer"]["percent"]) == (
        "members", 225135, "56.1"
    )
    wrong = CliRunner().invoke(app, ["count", str(folder / "contest.toml"), f"--section=omov={folder / 'members.json'}"])
    assert wrong.exit_code == 2
    assert "no section or voter category 'omov' to count (the contest counts: members, registered, affiliated)" in wrong.stderr
