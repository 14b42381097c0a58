"""Exports read back by other readers: BLT by a parser written here, PrefLib by preflibtools (and
pref_voting's instant runoff), the RCTab-shaped summary by following its transfers."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st
from preflibtools.instances import OrdinalInstance

from college.ballots import preference
from college.contest import BallotRules, Duplicate, Overvote
from college.count.rules import count
from college.declaration import Declaration
from college.exports import write_exports
from college.exports.papers import as_read, counts_for
from college.count.shares import percent
from tests.helpers import contest as make_contest
from tests.helpers import declare, profile
from tests.test_reports import declaration_2010, small_declaration


def read_blt(text: str) -> tuple[list[str], Counter, str]:
    """A BLT reader of our own: 'n s', ballots 'weight c1 c2 ... 0', '0', quoted names, quoted title."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    candidates, seats = map(int, lines[0].split())
    assert seats == 1
    ballots: Counter = Counter()
    at = 1
    while lines[at] != "0":
        numbers = list(map(int, lines[at].split()))
        assert numbers[-1] == 0 and all(1 <= n <= candidates for n in numbers[1:-1])
        ballots[tuple(numbers[1:-1])] += numbers[0]
        at += 1
    names = [line.strip('"') for line in lines[at + 1: at + 1 + candidates]]
    return names, Counter({tuple(names[i - 1] for i in order): n for order, n in ballots.items()}), lines[-1].strip('"')


def follow(ballots: Counter, continuing: list[str]) -> tuple[dict[str, int], int]:
    """Plain IRV reading: each paper for its first continuing name."""
    votes, dropped = dict.fromkeys(continuing, 0), 0
    for order, n in ballots.items():
        name = next((c for c in order if c in continuing), None)
        if name is None:
            dropped += n
        else:
            votes[name] += n
    return votes, dropped


def read_preflib(path) -> tuple[OrdinalInstance, Counter]:
    instance = OrdinalInstance()
    instance.parse_file(str(path))
    names = instance.alternatives_name
    ballots = Counter({tuple(names[place[0]] for place in order): instance.multiplicity[order] for order in instance.orders})
    return instance, ballots


def _check_section_files(declaration: Declaration, folder) -> None:
    result = declaration.result
    for section in result.sections:
        stem = f"{declaration.contest_id}-{section.id}"
        names, blt, title = read_blt((folder / f"{stem}.blt").read_text(encoding="utf-8"))
        assert names == result.candidates and section.name in title
        instance, pref = read_preflib(folder / f"{stem}.soi")
        assert instance.data_type == "soi" and list(instance.alternatives_name.values()) == result.candidates
        assert instance.num_voters == sum(pref.values())
        assert sum(blt.values()) == section.papers  # every paper that entered the count, as a BLT ballot
        for round_ in result.rounds:
            counted = next(s for s in round_.sections if s.id == section.id)
            votes, dropped = follow(blt, round_.continuing)
            assert (votes, dropped) == (counted.votes, counted.non_transferable), (section.id, round_.number)
            votes, dropped = follow(pref, round_.continuing)
            assert votes == counted.votes
            assert dropped + (section.papers - instance.num_voters) == counted.non_transferable
        summary = json.loads((folder / f"{stem}-summary.json").read_text(encoding="utf-8"))
        _check_summary(summary, [
            ({n: str(v) for n, v in next(s for s in r.sections if s.id == section.id).votes.items()}, r)
            for r in result.rounds
        ])


def _check_summary(summary: dict, expected: list[tuple[dict[str, str], object]]) -> None:
    """Follow the summary as RCVis does: each round's tally plus its transfers is the next round's."""
    results = summary["results"]
    assert [r["round"] for r in results] == [r.number for _, r in expected]
    for entry, (tally, round_) in zip(results, expected):
        assert entry["tally"] == tally
        outcome = entry["tallyResults"]
        if round_.elected:
            assert outcome == [{"elected": round_.elected, "transfers": {}}]
        else:
            assert [o["eliminated"] for o in outcome] == round_.eliminated
    for before, after in zip(results, results[1:]):
        moved = before["tallyResults"][0]["transfers"]
        for name, value in after["tally"].items():
            assert Fraction(before["tally"][name]) + Fraction(moved.get(name, "0")) == Fraction(value)
        gone = sum(Fraction(before["tally"][o["eliminated"]]) for o in before["tallyResults"])
        assert sum(Fraction(v) for v in moved.values()) == gone


def test_the_small_contest_reads_back_the_same_in_every_round(tmp_path):
    declaration = small_declaration()
    written = write_exports(declaration, tmp_path)
    assert {p.name for p in written.files} >= {"2026-leader-summary.json", "2026-leader-plp.blt", "2026-leader-plp.soi"}
    assert written.notes == []
    _check_section_files(declaration, tmp_path)
    college = json.loads((tmp_path / "2026-leader-summary.json").read_text())
    _check_summary(college, [({n: percent(s.fraction, 4) for n, s in r.college.items()}, r) for r in declaration.result.rounds])
    assert college["summary"]["finalThreshold"] == "50"


def test_the_2010_example_reads_back_and_pref_voting_agrees_on_the_plp(tmp_path):
    from pref_voting.io.readers import preflib_to_profile
    from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders

    declaration = declaration_2010()
    write_exports(declaration, tmp_path)
    _check_section_files(declaration, tmp_path)
    instance, _ = read_preflib(tmp_path / "2010-leader-plp.soi")
    assert instance.num_voters == 266
    # pref_voting counts the PLP's papers on its own: IRV within the section alone elects David Miliband,
    # as the PLP's own round 4 (140 to 122) says.
    plp = preflib_to_profile(str(tmp_path / "2010-leader-plp.soi"), use_cand_names=True)
    assert instant_runoff_for_truncated_linear_orders(plp) == ["David Miliband"]


def test_a_one_section_contest_is_a_whole_election_for_other_tools(tmp_path):
    from pref_voting.io.readers import preflib_to_profile
    from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders

    text = "\n".join([
        'id = "omov"', 'position = "Leader"', 'candidates = ["Ann", "Bob", "Cat", "Dan"]',
        'tie_policy = ["previous-rounds", "lot"]', 'lot_seed = "fixed"',
        "[[sections]]", 'id = "all"', 'name = "Members and supporters"', 'weight = "1"',
    ])
    from college.declaration import parse_contest

    contest = parse_contest(text)
    profiles = {"all": profile("Ann", 40, "Bob>Cat", 25, "Cat>Bob", 20, "Dan>Cat", 10, "Dan", 6, "Bob=Cat>Ann", 3)}
    declaration = declare(
        contest_file=text, result=count(contest, profiles), profiles=profiles,
        declared_at=datetime(2026, 9, 1, tzinfo=UTC), declared_by=["Chair"], sealed_result_digest="0" * 64,
        ledger_head="1" * 64,
    )
    write_exports(declaration, tmp_path)
    _check_section_files(declaration, tmp_path)
    # Dan goes first (16), his 10 second preferences to Cat (30); then Bob (25), whose papers go to Cat: 55 of 98.
    assert [r.eliminated for r in declaration.result.rounds] == [["Dan"], ["Bob"], []]
    winners = instant_runoff_for_truncated_linear_orders(
        preflib_to_profile(str(tmp_path / "omov-all.soi"), use_cand_names=True))
    assert winners == [declaration.result.winner] == ["Cat"]


def test_an_overvote_that_depends_on_who_continues_is_kept_as_a_tie(tmp_path):
    rules = 'ballots = { overvote = "exhaust-if-multiple-continuing" }'
    text = (small_declaration().contest_file.replace('lot_seed =', f"{rules}\nlot_seed =", 1))
    from college.declaration import parse_contest

    contest = parse_contest(text)
    assert contest.ballots.overvote is Overvote.exhaust_if_multiple_continuing
    profiles = {
        "plp": profile("Ann Example=Cat Example>Bob Example", 4, "Ann Example", 6, "Bob Example", 5),
        "members": profile("Ann Example", 10, "Bob Example", 8),
        "affiliates": profile("Bob Example", 10, "Cat Example", 7, "Ann Example", 9),
    }
    declaration = declare(
        contest_file=text, result=count(contest, profiles), profiles=profiles,
        declared_at=datetime(2026, 9, 1, tzinfo=UTC), declared_by=["Chair"], sealed_result_digest="0" * 64,
        ledger_head="1" * 64,
    )
    written = write_exports(declaration, tmp_path)
    assert not (tmp_path / "2026-leader-plp.blt").exists() and (tmp_path / "2026-leader-plp.toi").is_file()
    assert any("PLP and EPLP: no BLT file: 4 papers carry an overvote" in note for note in written.notes)
    assert "PLP and EPLP: no BLT file: 4 papers" in (tmp_path / "README.txt").read_text()
    instance = OrdinalInstance()
    instance.parse_file(str(tmp_path / "2026-leader-plp.toi"))
    assert instance.data_type == "toi" and instance.multiplicity[((1, 3), (2,))] == 4
    assert (tmp_path / "2026-leader-members.soi").is_file() and (tmp_path / "2026-leader-members.blt").is_file()


def test_dry_run_exports_say_so(tmp_path):
    write_exports(small_declaration(dry_run=True), tmp_path)
    assert read_blt((tmp_path / "2026-leader-plp.blt").read_text())[2].startswith("DRY RUN: ")
    assert "# TITLE: DRY RUN: " in (tmp_path / "2026-leader-plp.soi").read_text()
    assert json.loads((tmp_path / "2026-leader-summary.json").read_text())["config"]["contest"].startswith("DRY RUN: ")


names = st.sampled_from(["A", "B", "C", "X"])  # X is excluded: printed, withdrawn
mark = st.one_of(st.just(()), names.map(lambda n: (n,)), st.lists(names, min_size=2, max_size=3, unique=True).map(tuple))
rules = st.builds(
    BallotRules,
    overvote=st.sampled_from(list(Overvote)),
    max_skipped_ranks=st.sampled_from([0, 1, None]),
    duplicate=st.sampled_from(list(Duplicate)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(mark, max_size=6).map(tuple), rules)
def test_a_paper_as_read_counts_as_the_count_reads_it_for_every_set_of_continuing(ranking, rules):
    candidates = frozenset("ABC")
    order = as_read(ranking, candidates, rules)
    for size in range(0, 4):
        for continuing in combinations("ABC", size):
            assert counts_for(order, set(continuing)) == preference(ranking, set(continuing), rules), (continuing, order)
