"""The engine that moves papers: one section's piles, each distinct ranking with the candidate it counts for.

The count's rules (college/count/rules.py) say who is eliminated; this module says where
their papers go, as Droop kept his arithmetic apart from his rules. Rankings are rows of
numbers (`college.profile.Columns`), moved by polars many at a time.

Most papers are plain (`college.ballots.is_plain`): one name at each preference, none
twice, with no gap. The rules on gaps, overvotes and repeated names cannot touch them,
so each counts for its highest-ranked continuing name, found for all of them at once.
Every other paper is read by `college.ballots.preference`. tests/test_properties.py
proves the two agree on arbitrary papers.

Piles are values: dealing or transferring makes new piles. Papers are moved only when
the candidate they count for is eliminated, so a round costs the papers it transfers,
not the whole section.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import combinations

import polars as pl

from college.ballots import preference
from college.contest import Contest
from college.profile import Columns, Profile, columns_of

NON_TRANSFERABLE = -1  # the choice of a paper with no continuing candidate


@dataclass(frozen=True)
class Piles:
    """One section's papers: for each row of `columns`, the candidate it counts for."""

    columns: Columns
    number: Mapping[str, int]  # candidates, then excluded names, numbered
    names: pl.DataFrame  # per row: in each preference the number of the one name marked there, else null; `plain`
    choice: pl.Series  # per row: the number of the candidate it counts for, or NON_TRANSFERABLE
    votes: dict[str, int]  # each continuing candidate's papers
    non_transferable: int

    @classmethod
    def deal(cls, profile: Profile, contest: Contest) -> Piles:
        """Item 26: each paper to its highest-ranked candidate, every candidate continuing."""
        columns = columns_of(profile)
        number = {name: place for place, name in enumerate([*contest.candidates, *contest.excluded])}
        # A mark's number if it is one name the contest knows; an overvote, or an unknown
        # name, leaves its paper to the reader.
        single = {code: number[m[0]] for code, m in enumerate(columns.marks) if len(m) == 1 and m[0] in number}
        ranks = columns.ranks
        names = columns.codes.select(
            *(pl.col(c).replace_strict(single, default=None, return_dtype=pl.Int32) for c in ranks),
            *(pl.col(c).is_not_null().alias(f"{c} marked") for c in ranks),
        )
        names = names.select(*ranks, _plain(ranks).alias("plain"))
        rows = columns.codes.height
        unread = cls(columns, number, names, pl.Series("choice", [NON_TRANSFERABLE] * rows, dtype=pl.Int32), {}, 0)
        return unread._read(pl.Series([True] * rows, dtype=pl.Boolean), set(contest.candidates), contest)

    def transfer(self, eliminated: Collection[str], continuing: Collection[str], contest: Contest) -> Piles:
        """Item 27: the eliminated candidates' papers, each to its next continuing preference."""
        return self._read(self.choice.is_in([self.number[name] for name in eliminated]), set(continuing), contest)

    @property
    def valid(self) -> int:
        return sum(self.votes.values())

    def _read(self, moving: pl.Series, continuing: set[str], contest: Contest) -> Piles:
        """New piles: the rows `moving` read again for the candidates continuing, and the section's totals."""
        choice = self.choice.clone()
        plain = moving & self.names.get_column("plain")
        found = self.names.filter(plain).select(_highest_continuing(self.columns.ranks, continuing, self.number))
        choice.scatter(plain.arg_true(), found.to_series())
        others = moving & ~self.names.get_column("plain")
        read = [preference(ranking, continuing, contest.ballots) for ranking in self.columns.spelt(others)]
        choice.scatter(others.arg_true(), [NON_TRANSFERABLE if name is None else self.number[name] for name in read])
        totals = dict(
            pl.DataFrame({"choice": choice, "n": self.columns.codes.get_column("n")})
            .group_by("choice")
            .agg(pl.col("n").sum())
            .iter_rows()
        )
        votes = {name: totals.get(self.number[name], 0) for name in contest.candidates if name in continuing}
        return Piles(self.columns, self.number, self.names, choice, votes, totals.get(NON_TRANSFERABLE, 0))


def _plain(ranks: list[str]) -> pl.Expr:
    """`college.ballots.is_plain`, for rows of numbers: each marked preference one known name, no gap, no repeat."""
    if not ranks:
        return pl.lit(False)
    one_name, marked = [pl.col(c) for c in ranks], [pl.col(f"{c} marked") for c in ranks]
    no_overvote = pl.all_horizontal(pl.lit(True), *(o.is_not_null() == m for o, m in zip(one_name, marked)))
    no_gap = pl.all_horizontal(pl.lit(True), *(a | ~b for a, b in zip(marked, marked[1:])))
    no_repeat = ~pl.any_horizontal(pl.lit(False), *((a == b).fill_null(False) for a, b in combinations(one_name, 2)))
    return no_overvote & no_gap & no_repeat


def _highest_continuing(ranks: list[str], continuing: set[str], number: Mapping[str, int]) -> pl.Expr:
    """For plain rows, the first continuing name's number, or NON_TRANSFERABLE if none is."""
    alive = [number[name] for name in continuing]
    return pl.coalesce(
        *(pl.when(pl.col(c).is_in(alive)).then(pl.col(c)) for c in ranks), pl.lit(NON_TRANSFERABLE, pl.Int32)
    )
