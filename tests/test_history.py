"""History: the engine reproduces every figure the party published, contest by contest.

Each example under examples/history/ (its README.md and each SOURCES.md say where every
figure comes from) is counted, and every published figure is compared with the count's at
its published precision under its published rounding rule: `half-up`, `largest-remainder`
(the 2015 Leader category table and the 2020 tables, whose rows add to exactly 100) or
`truncate` (five 2007 cells no rounding explains). Where the sources contradict one another,
the contradicted figure must differ from the count's, and SOURCES.md gives the arithmetic.

The rounding rules are re-derived here, independently of college/count/shares.py, and the tests at
the end show the comparison has teeth: an engine that stops discounting non-transferable
papers, rounds another way, or weights the sections otherwise no longer reproduces history.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

import college.count.piles
import college.count.result
import college.count.rules
import college.count.shares
from college.contest import Contest
import college.history
from college.cli import app
from college.contest import load_contest
from college.history import Example, Figure, compare, count_example, examples, find_example, shared_data

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = {example.id: example for example in examples(REPO / "examples" / "history")}
PLP_BALLOTS = shared_data() / "2010-leader-plp-ballots.json"

# The cells that only truncation reproduces (examples/history/2007-deputy/SOURCES.md).
TRUNCATED_2007 = {
    (1, "plp contribution Hazel Blears"),
    (2, "plp contribution Alan Johnson"),
    (1, "college Hilary Benn"),
    (4, "college Jon Cruddas"),
    (5, "college Alan Johnson"),
}


def counted(example: Example) -> list[Figure]:
    if example.id == "2010-leader" and not PLP_BALLOTS.is_file():
        pytest.skip(f"the real 2010 PLP ballots are not at {PLP_BALLOTS} (set COLLEGE_HISTORY_DATA)")
    return compare(example, count_example(example))


def half_up(value: Fraction, places: int) -> str:
    return _text(math.floor(value * 10**places + Fraction(1, 2)), places)


def truncated(value: Fraction, places: int) -> str:
    return _text(math.floor(value * 10**places), places)


def largest_remainder(values: dict[str, Fraction], places: int) -> dict[str, str]:
    scaled = {k: v * 10**places for k, v in values.items()}
    floors = {k: math.floor(v) for k, v in scaled.items()}
    missing = round(sum(scaled.values())) - sum(floors.values())
    for k in sorted(scaled, key=lambda k: scaled[k] - floors[k], reverse=True)[:missing]:
        floors[k] += 1
    return {k: _text(v, places) for k, v in floors.items()}


def _text(whole: int, places: int) -> str:
    digits = str(whole).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits


def places_of(figure: str) -> int:
    return len(figure.partition(".")[2])


def published_cells(example: Example) -> int:
    """How many figures published.json holds, counted from the file itself."""
    data = example.published
    total = 1 + len(data.get("contradictions", []))  # the winner
    for round_ in data["rounds"]:
        total += 2 + len(round_["college"])  # who continued, who was elected or eliminated
        for cell in [*round_["sections"].values(), *round_.get("categories", {}).values()]:
            total += 1 + ("non_transferable" in cell) + len(cell.get("votes", {}))
            total += len(cell.get("share", {})) + len(cell.get("contribution", {}))
    return total


def mismatches(figures: list[Figure]) -> list[str]:
    return [f"round {f.round} {f.label}: published {f.published}, counted {f.counted}" for f in figures if not f.agrees]


# --- every published figure, contest by contest ------------------------------------------------


@pytest.mark.parametrize("contest_id", sorted(EXAMPLES))
def test_the_count_reproduces_every_published_figure(contest_id):
    example = EXAMPLES[contest_id]
    figures = counted(example)
    assert mismatches(figures) == []
    assert len(figures) == published_cells(example)  # none left out

    # The rule of each figure, re-derived here rather than trusted from college/.
    tables: dict[tuple[int, str], dict[str, Figure]] = defaultdict(dict)
    for figure in figures:
        if figure.exact is None:
            continue
        if figure.contradicted:  # agrees: the count shows something else (checked above)
            continue
        kind = "college" if figure.label.startswith("college ") else " ".join(figure.label.split(" ")[:2])
        tables[(figure.round, kind)][figure.label.removeprefix(f"{kind} ")] = figure
    for table in tables.values():
        for name, figure in table.items():
            digits = places_of(figure.published)
            if figure.rule == "half-up":
                assert half_up(figure.exact, digits) == figure.published, figure
            elif figure.rule == "truncate":
                assert truncated(figure.exact, digits) == figure.published != half_up(figure.exact, digits), figure
            else:
                assert figure.rule == "largest-remainder"
                assert largest_remainder({n: f.exact for n, f in table.items()}, digits)[name] == figure.published, figure


def test_every_contest_since_1981_with_published_figures_is_here():
    assert sorted(EXAMPLES) == [
        "1981-deputy", "1988-deputy", "1988-leader", "1992-deputy", "1992-leader", "1994-deputy", "1994-leader", "2007-deputy",
        "2010-leader", "2015-deputy", "2015-leader", "2016-leader", "2020-deputy", "2020-leader", "2025-deputy",
    ]
    for example in EXAMPLES.values():
        assert (example.folder / "SOURCES.md").is_file()


def test_only_the_documented_2007_cells_are_read_as_truncated():
    figures = counted(EXAMPLES["2007-deputy"])
    assert {(f.round, f.label) for f in figures if f.rule == "truncate"} == TRUNCATED_2007
    assert not any(f.rule == "truncate" for e in EXAMPLES.values() if e.id != "2007-deputy" for f in counted(e))


# --- 2010: the real PLP and EPLP ballots -------------------------------------------------------


def test_2010_counts_the_real_plp_ballots_and_reproduces_rounds_1_and_4():
    example = EXAMPLES["2010-leader"]
    if not PLP_BALLOTS.is_file():
        pytest.skip(f"the real 2010 PLP ballots are not at {PLP_BALLOTS}")
    assert example.profile_path("plp") == PLP_BALLOTS
    result = count_example(example)
    plp = [next(s for s in r.sections if s.id == "plp") for r in result.rounds]
    assert result.sections[0].papers == 266
    assert plp[0].votes == {"Diane Abbott": 7, "Ed Balls": 40, "Andy Burnham": 24, "David Miliband": 111, "Ed Miliband": 84}
    assert (plp[3].votes, plp[3].non_transferable) == ({"David Miliband": 140, "Ed Miliband": 122}, 4)
    assert result.winner == "Ed Miliband" and result.rounds[3].college["Ed Miliband"].percent == "50.65"


def test_the_2010_walk_through_example_still_reproduces_its_figures():
    # examples/2010-leader (all three sections reconstructed) against the cells it was built from.
    folder = REPO / "examples" / "2010-leader"
    figures = json.loads((REPO / "tests" / "data" / "history" / "2010-leader.figures.json").read_text(encoding="utf-8"))
    example = Example("2010-leader", folder, load_contest(folder / "contest.toml"), figures)
    assert mismatches(compare(example, count_example(example))) == []


# --- contradictions ----------------------------------------------------------------------------


def test_a_listed_contradiction_that_the_count_shows_is_flagged():
    agreeing = Figure(1, "college A", "50.0", "50.0", Fraction(50), "half-up", contradicted=True, source="s")
    differing = dataclasses.replace(agreeing, counted="50.1")
    assert not agreeing.agrees and differing.agrees


@pytest.mark.parametrize("contest_id", ["1988-deputy", "1992-leader", "1994-deputy", "2020-deputy"])
def test_contradicted_figures_differ_from_the_count(contest_id):
    contradicted = [f for f in counted(EXAMPLES[contest_id]) if f.contradicted]
    assert contradicted and all(f.counted != f.published for f in contradicted)


# --- the comparison has teeth ------------------------------------------------------------------


def with_contest(example: Example, **changes) -> Example:
    data = example.contest.model_dump(mode="json")
    for key, value in changes.items():
        if key == "weights":
            for section in data["sections"]:
                section["weight"] = value[section["id"]]
        else:
            data["display"][key] = value
    return dataclasses.replace(example, contest=Contest.model_validate(data))


@pytest.mark.parametrize("contest_id", ["2007-deputy", "2010-leader", "2015-deputy", "2020-deputy"])
def test_history_fails_if_non_transferable_papers_are_not_discounted(contest_id, monkeypatch):
    # Item 26: discounted papers leave the denominator. Counting them in it breaks history.
    example = EXAMPLES[contest_id]
    counted(example)  # skips here if the papers are absent
    monkeypatch.setattr(
        college.count.piles.Piles, "valid", property(lambda piles: sum(piles.votes.values()) + piles.non_transferable)
    )
    assert mismatches(compare(example, count_example(example)))


@pytest.mark.parametrize("contest_id", ["1988-deputy", "2010-leader", "2016-leader", "2020-leader"])
def test_history_fails_if_figures_are_truncated_instead_of_rounded(contest_id, monkeypatch):
    example = EXAMPLES[contest_id]
    counted(example)
    def truncate(value: Fraction, places: int) -> str:
        return truncated(value * 100, places)

    def truncate_table(values: dict[str, Fraction], places: int, rule: str) -> dict[str, str]:
        return {name: truncate(value, places) for name, value in values.items()}

    for module in (college.count.shares, college.history, college.count.result):
        monkeypatch.setattr(module, "percent", truncate)
        monkeypatch.setattr(module, "table_percents", truncate_table, raising=False)
    assert mismatches(compare(example, count_example(example)))


@pytest.mark.parametrize(
    ("contest_id", "weights"),
    [
        ("1992-leader", {"affiliates": "1/3", "clps": "1/3", "plp": "1/3"}),  # the 1993 thirds do not fit 1992
        ("1988-deputy", {"affiliates": "1/3", "clps": "1/3", "plp": "1/3"}),
        ("1994-leader", {"affiliates": "2/5", "members": "3/10", "plp": "3/10"}),  # nor 40/30/30 the thirds
        ("2010-leader", {"affiliates": "2/5", "members": "3/10", "plp": "3/10"}),
    ],
)
def test_history_fails_if_the_sections_are_weighted_otherwise(contest_id, weights):
    example = EXAMPLES[contest_id]
    counted(example)
    assert mismatches(compare(with_contest(example, weights=weights), count_example(with_contest(example, weights=weights))))


@pytest.mark.parametrize(
    ("contest_id", "other_rule"),
    [("2020-deputy", "half-up"), ("2015-leader", "half-up"), ("2015-deputy", "largest-remainder")],
)
def test_history_fails_under_the_other_rounding_rule(contest_id, other_rule):
    # 2020 Deputy round 1: Burgon's 17.3648% shows 17.3 only by largest remainder (17.4 half up);
    # 2015 Leader: Cooper's members' 22.1856% shows 22.18 only by largest remainder; 2015 Deputy
    # round 1: Eagle's 16.1610% shows 16.2 only half up (16.1 by largest remainder).
    example = with_contest(EXAMPLES[contest_id], rounding=other_rule)
    assert mismatches(compare(example, count_example(example)))


def test_the_published_rows_of_2020_add_to_100_and_2015_deputys_need_not():
    for contest_id, total in (("2020-deputy", {"100.0"}), ("2015-deputy", {"100.1", "99.9", "100.0"})):
        result = count_example(EXAMPLES[contest_id])
        sums = {_text(sum(int(s.percent.replace(".", "")) for s in r.college.values()), 1) for r in result.rounds}
        assert sums <= total
    assert {"100.1", "99.9"} <= {
        _text(sum(int(s.percent.replace(".", "")) for s in r.college.values()), 1)
        for r in count_example(EXAMPLES["2015-deputy"]).rounds
    }


def test_find_example_names_the_examples_there_are():
    with pytest.raises(Exception, match="no history example 'nope'.*2020-deputy"):
        find_example("nope", REPO / "examples" / "history")


# --- college history and college electorate, from the command line ----------------------------

runner = CliRunner()


def test_college_history_lists_the_examples():
    result = runner.invoke(app, ["history", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = {row["contest"]: row for row in json.loads(result.stdout)}
    assert set(listed) == set(EXAMPLES)
    assert listed["1992-leader"]["form"] == "college, 40 / 30 / 30, block votes"
    assert listed["2020-leader"]["form"] == "one member one vote, by voter category"
    assert [listed[c]["reconstructed"] for c in ("2007-deputy", "2010-leader", "2016-leader")] == ["all", "partly", "none"]


def test_college_history_prints_the_count_beside_the_published_figures():
    result = runner.invoke(app, ["history", "2020-deputy"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # the table wraps to the terminal
    assert "Angela Rayner is elected with 52.6% of votes in round 3." in text
    assert "34 of 34 published figures reproduced; 1 published figure(s) contradicted by the others" in text
    document = json.loads(runner.invoke(app, ["history", "2020-deputy", "--format", "json"]).stdout)
    burgon = [f for f in document["figures"] if f["round"] == 2 and f["figure"] == "college Richard Burgon"]
    assert [(f["published"], f["counted"], f["contradicted"], f["agrees"]) for f in burgon] == [
        ("19.7", "19.7", False, True),
        ("19.2", "19.7", True, True),
    ]
    assert document["result"]["has_college"] is False


def test_college_history_fails_when_a_published_figure_is_not_reproduced(tmp_path):
    folder = tmp_path / "history"
    shutil.copytree(REPO / "examples" / "history" / "2016-leader", folder / "2016-leader")
    published = folder / "2016-leader" / "published.json"
    data = json.loads(published.read_text(encoding="utf-8"))
    data["rounds"][0]["categories"]["members"]["share"]["Owen Smith"] = ["41.1", "half-up"]
    published.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["history", "2016-leader", "--examples", str(folder)])
    assert result.exit_code == 1
    assert "DIFFERS" in result.stdout and "22 of 23 published figures reproduced" in " ".join(result.stdout.split())


def test_college_history_names_a_missing_example_in_one_line():
    result = runner.invoke(app, ["history", "1066-leader"])
    assert result.exit_code == 2 and result.stderr.startswith("error: example: no history example '1066-leader'")


def test_college_electorate_reports_each_category_and_every_refusal(tmp_path):
    roll = tmp_path / "roll.csv"
    roll.write_text(
        "voter,category,joined,registered\n"
        "m1,members,2015-12-01,\nm2,members,2016-01-13,\n"
        "r1,registered,,2016-07-18T18:00:00+01:00\nr2,registered,,2016-07-17T12:00:00+01:00\n",
        encoding="utf-8",
    )
    contest_file = REPO / "examples" / "history" / "2016-leader" / "contest.toml"
    result = runner.invoke(app, ["electorate", str(contest_file), str(roll), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["eligible"] == {"members": 1, "registered": 1, "affiliated": 0}
    assert [r["voter"] for r in document["refused"]] == ["m2", "r2"]
    assert "after the freeze date 2016-01-12" in document["refused"][0]["why"]
    assert "before the registration window opened 2016-07-18T17:00:00+01:00" in document["refused"][1]["why"]


def test_reconstructed_votes_are_told_apart_from_published_figures():
    reconstructed = {c: [f for f in counted(e) if f.reconstructed] for c, e in EXAMPLES.items()}
    assert not reconstructed["2016-leader"] and not reconstructed["1994-deputy"]
    assert reconstructed["1994-leader"] and all(f.label.split(" ")[1] in ("votes", "valid") for f in reconstructed["1994-leader"])
    # The 2010 PLP's rounds 2 and 3 come from the ballots the party published: not reconstructed.
    assert not [f for f in reconstructed["2010-leader"] if f.label.startswith("plp ")]
    result = runner.invoke(app, ["history", "1994-leader"])
    assert "24 of 24 published figures reproduced; 12 of 12 reconstructed votes realised" in " ".join(result.stdout.split())
