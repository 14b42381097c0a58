"""Invariants of the count, checked on generated contests (hypothesis).

The plain instant-runoff comparison uses pref_voting, an independent implementation,
so a shared misreading of the rules cannot hide in both sides.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders
from pref_voting.profiles_with_ties import ProfileWithTies

from college.ballots import is_plain, preference
from college.contest import Contest
from college.count.piles import NON_TRANSFERABLE, Piles
from college.count.rules import count
from college.profile import Profile, combine, from_rows, read_profile, read_section, write_profile_json

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = "ABCDE"
POLICIES = [
    ["previous-rounds", "lot"],
    ["first-round", "candidate-order"],
    ["candidate-order"],
    ["lot"],
]


# --- strategies -----------------------------------------------------------------------


@st.composite
def candidates(draw) -> list[str]:
    return list(NAMES[: draw(st.integers(2, len(NAMES)))])


@st.composite
def weights(draw, sections: int) -> list[str]:
    parts = draw(st.lists(st.integers(1, 6), min_size=sections, max_size=sections))
    return [str(Fraction(p, sum(parts))) for p in parts]


@st.composite
def rules(draw) -> dict:
    return {
        "overvote": draw(st.sampled_from(["exhaust", "skip", "exhaust-if-multiple-continuing"])),
        "max_skipped_ranks": draw(st.sampled_from([None, 0, 1, 2])),
        "duplicate": draw(st.sampled_from(["skip", "exhaust"])),
    }


def make_contest(names, section_weights, policy=("previous-rounds", "lot"), ballots=None, batch=False) -> Contest:
    return Contest.model_validate(
        {
            "id": "prop",
            "position": "Leader",
            "candidates": list(names),
            "sections": [{"id": f"s{i}", "name": f"S{i}", "weight": w} for i, w in enumerate(section_weights)],
            "tie_policy": list(policy),
            "lot_seed": "drawn before the count",
            "batch_elimination": batch,
            "ballots": ballots or {},
        }
    )


def messy_rows(names):
    """(ranking, count) rows with skipped preferences, overvotes and repeated names."""
    mark = st.one_of(
        st.just(()),
        st.sampled_from(names).map(lambda n: (n,)),
        st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True).map(tuple),
    )
    return st.lists(st.tuples(st.lists(mark, max_size=6).map(tuple), st.integers(1, 40)), max_size=12)


def linear_rows(names):
    """(ranking, count) rows of truncated linear orders: no gaps, overvotes or repeats."""
    ranking = st.permutations(names).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda k: tuple((n,) for n in order[:k]))
    )
    return st.lists(st.tuples(ranking, st.integers(1, 60)), min_size=1, max_size=10)


@st.composite
def messy_contests(draw):
    names = draw(candidates())
    sections = draw(st.integers(1, 3))
    batch = sections == 1 and draw(st.booleans())
    contest = make_contest(
        names, draw(weights(sections)), draw(st.sampled_from(POLICIES)), draw(rules()), batch=batch
    )
    profiles = {s.id: from_rows(draw(messy_rows(names))) for s in contest.sections}
    return contest, profiles


# --- item 26, read once ---------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_the_fast_path_reads_every_paper_as_the_rule_does(data):
    """The engine (college/count/piles.py) reads plain papers many at a time; college/ballots.py
    reads one paper. On arbitrary papers, with a withdrawn name, gaps, overvotes and repeats,
    under any rules: dealt, each paper goes to the candidate `preference` reads; after some
    candidates are eliminated, each of their papers goes to the one it reads next and no other
    paper moves. The papers the engine takes as plain are exactly `ballots.is_plain`'s."""
    names = data.draw(candidates())
    contest = Contest.model_validate(
        make_contest(names, ["1"], ballots=data.draw(rules())).model_dump() | {"excluded": ["Withdrawn"]}
    )
    profile = from_rows(data.draw(messy_rows([*names, "Withdrawn"])))
    assume(profile.rankings)
    eliminated = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names) - 1))
    continuing = {name for name in names if name not in eliminated}
    dealt = Piles.deal(profile, contest)
    moved = dealt.transfer(eliminated, continuing, contest)
    papers = dealt.columns.spelt(pl.Series([True] * dealt.columns.codes.height))
    name_of = {number: name for name, number in dealt.number.items()} | {NON_TRANSFERABLE: None}
    first = [preference(paper, set(names), contest.ballots) for paper in papers]
    assert [name_of[c] for c in dealt.choice] == first
    then = [preference(paper, continuing, contest.ballots) if was in eliminated else was for paper, was in zip(papers, first)]
    assert [name_of[c] for c in moved.choice] == then
    assert dealt.names.get_column("plain").to_list() == [is_plain(paper) for paper in papers]


# --- invariants -----------------------------------------------------------------------


def _paper_by_paper(contest: Contest, profile: Profile, eliminations: list[list[str]]) -> list[tuple[dict, int]]:
    """One section's votes and non-transferable papers in each round, found by reading each
    paper with college.ballots.preference, again whenever its candidate is eliminated."""
    continuing = set(contest.candidates)
    counts_for = {ranking: preference(ranking, continuing, contest.ballots) for ranking in profile.rankings}
    rounds = []
    for eliminated in eliminations:
        votes = dict.fromkeys(continuing, 0)
        for ranking, n in profile.rankings.items():
            if counts_for[ranking] is not None:
                votes[counts_for[ranking]] += n
        rounds.append((votes, profile.papers - sum(votes.values())))
        continuing -= set(eliminated)
        for ranking, name in counts_for.items():
            if name in eliminated:
                counts_for[ranking] = preference(ranking, continuing, contest.ballots)
    return rounds


@SETTINGS
@given(messy_contests())
def test_each_round_is_what_reading_each_paper_in_turn_gives(case):
    # The count reads most papers many at a time (college/count/rules.py); this reads them one by one.
    contest, profiles = case
    result = count(contest, profiles)
    eliminations = [round_.eliminated or [] for round_ in result.rounds]
    for index, section in enumerate(contest.sections):
        expected = _paper_by_paper(contest, profiles[section.id], eliminations)
        got = [(r.sections[index].votes, r.sections[index].non_transferable) for r in result.rounds]
        assert got == expected


@SETTINGS
@given(messy_contests())
def test_votes_are_conserved_in_every_round(case):
    contest, profiles = case
    result = count(contest, profiles)
    for round_ in result.rounds:
        for section in round_.sections:
            assert section.valid == sum(section.votes.values())
            assert section.valid + section.non_transferable == profiles[section.id].papers
    for summary in result.sections:
        assert summary.papers == profiles[summary.id].papers


@SETTINGS
@given(messy_contests())
def test_college_shares_sum_to_the_weight_of_sections_with_valid_votes(case):
    contest, profiles = case
    result = count(contest, profiles)
    weights = {s.id: s.fraction for s in contest.sections}
    for round_ in result.rounds:
        live = sum((weights[s.id] for s in round_.sections if s.valid), Fraction(0))
        assert sum(share.fraction for share in round_.college.values()) == live
        assert (round_.unallocated.fraction if round_.unallocated else 0) == 1 - live


@SETTINGS
@given(messy_contests())
def test_a_winner_holds_strictly_more_than_half_unless_last_standing(case):
    contest, profiles = case
    result = count(contest, profiles)
    for round_ in result.rounds:
        if round_.elected is None:
            assert all(share.fraction <= Fraction(1, 2) for share in round_.college.values())
        elif len(round_.continuing) > 1:
            assert round_.college[round_.elected].fraction > Fraction(1, 2)


@SETTINGS
@given(st.integers(2, 50), st.data())
def test_exactly_half_of_the_college_is_not_elected(half, data):
    # A holds exactly half in round 1 (B and C share the other half, each with some),
    # so round 1 elects nobody, however the college is weighted.
    sections = data.draw(st.integers(1, 3))
    contest = make_contest("ABC", data.draw(weights(sections)))
    b = data.draw(st.integers(1, half - 1))
    rows = [((("A",),), half), ((("B",),), b), ((("C",),), half - b)]
    result = count(contest, {s.id: from_rows(rows) for s in contest.sections})
    first = result.rounds[0]
    assert first.college["A"].fraction == Fraction(1, 2)
    assert first.elected is None and len(result.rounds) > 1


@SETTINGS
@given(messy_contests(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_rankings(case, random):
    contest, profiles = case
    shuffled = {}
    for sid, profile in profiles.items():
        rows = list(profile.rankings.items())
        random.shuffle(rows)
        shuffled[sid] = Profile(dict(rows), profile.blank)
    assert count(contest, shuffled) == count(contest, profiles)


def _rows(profile: Profile) -> list:
    """The profile's rows, its blank papers (an empty ranking) included."""
    return [*profile.rankings.items(), *([((), profile.blank)] if profile.blank else [])]


def _split(rows, parts: int, data) -> list[list]:
    """Each row's papers spread over `parts` files (some may get none of them)."""
    files = [[] for _ in range(parts)]
    for ranking, n in rows:
        cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=parts - 1, max_size=parts - 1)))
        for index, (low, high) in enumerate(zip([0, *cuts], [*cuts, n])):
            if high > low:
                files[index].append((ranking, high - low))
    return files


@SETTINGS
@given(messy_contests(), st.integers(2, 4), st.data())
def test_splitting_a_section_across_files_gives_the_same_result(case, parts, data):
    contest, profiles = case
    section = data.draw(st.sampled_from([s.id for s in contest.sections]))
    rows = _rows(profiles[section])
    pieces = [from_rows(piece) for piece in _split(rows, parts, data)]
    assert count(contest, {**profiles, section: combine(pieces)}) == count(contest, profiles)


def _ballot_table(rows, width: int) -> pl.DataFrame:
    cells = [["|".join(mark) if mark else None for mark in ranking] + [None] * (width - len(ranking)) for ranking, _ in rows]
    columns = {f"rank{i + 1}": [row[i] for row in cells] for i in range(width)}
    return pl.DataFrame({**columns, "count": [n for _, n in rows]}, schema={**{c: pl.String for c in columns}, "count": pl.Int64})


@FEW
@given(messy_contests(), st.data())
def test_splitting_across_files_of_different_formats_gives_the_same_result(case, data):
    # The same papers read back from JSON, CSV and Parquet parts, each table only as deep as
    # its own papers, read together as the CLI reads a section and one by one.
    contest, profiles = case
    section = contest.sections[0].id
    rows = _rows(profiles[section])
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, piece in enumerate(_split(rows, 4, data)):
            path = Path(folder) / f"part{index}.{['json', 'csv', 'parquet', 'csv'][index]}"
            width = max((len(r) for r, _ in piece), default=1) or 1
            if index == 0:
                write_profile_json(from_rows(piece), contest, path)
            elif path.suffix == ".csv":
                _ballot_table(piece, width).write_csv(path)
            else:
                _ballot_table(piece, width).write_parquet(path)
            if piece or index == 0:
                paths.append(path)
        read = read_section(paths, contest)
        assert read == combine(read_profile(p, contest) for p in paths)
    assert read == profiles[section]
    assert count(contest, {**profiles, section: read}) == count(contest, profiles)


# --- against an independent instant-runoff --------------------------------------------


def _pref_voting(rows, names) -> ProfileWithTies:
    return ProfileWithTies(
        [{mark[0]: place for place, mark in enumerate(ranking, start=1)} for ranking, _ in rows],
        rcounts=[n for _, n in rows],
        candidates=list(names),
    )


@SETTINGS
@given(candidates().flatmap(lambda names: st.tuples(st.just(names), linear_rows(names))), st.booleans())
def test_one_section_or_three_equal_sections_is_plain_instant_runoff(case, three):
    names, rows = case
    contest = make_contest(names, ["1/3"] * 3 if three else ["1"], ["previous-rounds", "candidate-order"])
    result = count(contest, {s.id: from_rows(rows) for s in contest.sections})
    # pref_voting eliminates every candidate tied for lowest at once; with no such tie
    # the two methods are the same rule, so only those profiles are compared.
    assume(not result.tie_breaks)
    reference = _pref_voting(rows, names)
    assert instant_runoff_for_truncated_linear_orders(reference) == [result.winner]
    for round_ in result.rounds:
        reduced = reference.remove_candidates([n for n in names if n not in round_.continuing])
        tally = reduced.plurality_scores()
        reduced.remove_empty_rankings()
        for section in round_.sections:
            assert section.votes == {n: tally.get(n, 0) for n in round_.continuing}
            assert section.valid == reduced.num_voters
            assert section.non_transferable == sum(n for _, n in rows) - reduced.num_voters
