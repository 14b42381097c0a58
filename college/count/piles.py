"""The count of the electoral college, round by round (seed 003 items 23-27).

  23. The votes of each nominee in each section are calculated as a percentage of the
      total votes cast in that section, and apportioned by the section's weight.
  24. Each section's totals are presented as a percentage of the section before the
      Electoral College calculation is made.
  26. The result in each section represents its share of the college in each round of
      the eliminating ballot. At each stage any spoilt, invalid or non-transferable
      papers are discounted.
  27. If no candidate receives more than 50% of the Electoral College vote, the result
      is recalculated eliminating the candidate with the lowest percentage of Electoral
      College votes and redistributing those votes according to expressed preferences,
      until one candidate exceeds the 50% threshold.

Arithmetic is exact: votes are integers (64-bit in polars, summed by integer addition),
shares are fractions. Each round is a value; a round in, a round out. Papers are moved only when
the candidate they count for is eliminated, so a round costs the papers it transfers,
not the whole section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from fractions import Fraction

import polars as pl

from college.ballots import preference
from college.contest import Category, Contest, Display, Section
from college.errors import CollegeError
from college.profile import Columns, Profile, columns_of
from college.count.result import (
    CategoryRound,
    CategorySummary,
    DecisionNeeded,
    Result,
    Round,
    SectionRound,
    SectionSummary,
    Share,
    TieBreak,
    TieDecision,
)
from college.count.shares import share
from college.count.ties import Referred, break_tie

HALF = Fraction(1, 2)


@dataclass
class _Piles:
    """One section's papers, each distinct ranking with the candidate it counts for.

    Rankings are rows of numbers (`college.profile.Columns`). Most papers mark one name at
    each preference, none twice and with no gap: the rules on gaps, overvotes and repeated
    names cannot touch them, so each counts for its highest-ranked continuing name, found
    for all of them at once. Every other paper is read by `college.ballots.preference`.
    """

    columns: Columns
    number: dict[str, int]  # candidates, then excluded names, numbered
    names: pl.DataFrame  # per row: in each preference the number of the one name marked there, else null; `plain`
    choice: pl.Series  # per row: the number of the candidate it counts for; -1, non-transferable
    votes: dict[str, int]
    non_transferable: int = 0

    @classmethod
    def deal(cls, profile: Profile, continuing: set[str], contest: Contest) -> _Piles:
        """Rule 1: each paper to its highest-ranked continuing candidate."""
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
        one_name, marked = [pl.col(c) for c in ranks], [pl.col(f"{c} marked") for c in ranks]
        no_overvote = pl.all_horizontal(pl.lit(True), *(o.is_not_null() == m for o, m in zip(one_name, marked)))
        no_gap = pl.all_horizontal(pl.lit(True), *(a | ~b for a, b in zip(marked, marked[1:])))
        no_repeat = ~pl.any_horizontal(pl.lit(False), *((a == b).fill_null(False) for a, b in combinations(one_name, 2)))
        plain = no_overvote & no_gap & no_repeat if ranks else pl.lit(False)
        names = names.select(*ranks, plain.alias("plain"))
        rows = columns.codes.height
        piles = cls(columns, number, names, pl.Series("choice", [-1] * rows, dtype=pl.Int32), {})
        piles._read(pl.Series([True] * rows, dtype=pl.Boolean), continuing, contest)
        return piles

    def _read(self, moving: pl.Series, continuing: set[str], contest: Contest) -> None:
        """The rows `moving` to the candidates they now count for; the section's totals again."""
        alive = [self.number[name] for name in continuing]
        plain = moving & self.names.get_column("plain")
        found = self.names.filter(plain).select(_highest_continuing(self.columns.ranks, alive)).to_series()
        self.choice.scatter(plain.arg_true(), found)
        others = moving & ~self.names.get_column("plain")
        read = [preference(ranking, continuing, contest.ballots) for ranking in self.columns.spelt(others)]
        self.choice.scatter(others.arg_true(), [-1 if name is None else self.number[name] for name in read])
        totals = dict(
            pl.DataFrame({"choice": self.choice, "n": self.columns.codes.get_column("n")})
            .group_by("choice")
            .agg(pl.col("n").sum())
            .iter_rows()
        )
        self.votes = {name: totals.get(self.number[name], 0) for name in contest.candidates if name in continuing}
        self.non_transferable = totals.get(-1, 0)

    def transfer(self, eliminated: str, continuing: set[str], contest: Contest) -> None:
        """Redistribute an eliminated candidate's papers by their expressed preferences (item 27)."""
        self._read(self.choice == self.number[eliminated], continuing, contest)

    @property
    def valid(self) -> int:
        return sum(self.votes.values())


def _highest_continuing(ranks: list[str], alive: list[int]) -> pl.Expr:
    """For rows of single names, the first continuing one's number, or -1 if none is."""
    return pl.coalesce(*(pl.when(pl.col(c).is_in(alive)).then(pl.col(c)) for c in ranks), pl.lit(-1, pl.Int32))


def _section_round(section: Section, parts: Mapping[str, _Piles], contest: Contest) -> SectionRound:
    """Item 24: the section's totals, each as a share of the section's valid votes.

    A one-member-one-vote section whose papers carry a voter category is one pool: its
    totals are the sum of its categories', and each category is shown apart as well.
    """
    display = contest.display
    votes = {name: sum(piles.votes[name] for piles in parts.values()) for name in contest.candidates if name in _any(parts).votes}
    valid = sum(piles.valid for piles in parts.values())  # item 26: non-transferable papers discounted
    categories = [_category_round(c, parts[c.id], list(votes), display) for c in contest.categories_of(section.id)]
    return SectionRound(
        id=section.id,
        name=section.name,
        weight=section.weight,
        valid=valid,
        non_transferable=sum(piles.non_transferable for piles in parts.values()),
        votes=votes,
        shares=Share.table(
            {name: share(v, valid) for name, v in votes.items()}, display.section_decimals, display.rounding.value
        ),
        note=None if valid else "no valid votes this round: the section's weight goes to nobody",
        categories=categories,
    )


def _category_round(category: Category, piles: _Piles, names: list[str], display: Display) -> CategoryRound:
    votes = {name: piles.votes[name] for name in names}
    return CategoryRound(
        id=category.id,
        name=category.name,
        valid=piles.valid,
        non_transferable=piles.non_transferable,
        votes=votes,
        shares=Share.table({n: share(v, piles.valid) for n, v in votes.items()}, display.category_places, display.rounding.value),
    )


def _any(parts: Mapping[str, _Piles]) -> _Piles:
    return next(iter(parts.values()))


def parts_of(contest: Contest, section: Section) -> list[str]:
    """The profiles a section is counted from: its own, or one per voter category (one pool)."""
    return [c.id for c in contest.categories_of(section.id)] or [section.id]


def college_shares(contest: Contest, sections: Sequence[SectionRound], continuing: list[str]) -> dict[str, Fraction]:
    """Item 23: a candidate's college share is the weighted sum of their section shares."""
    weights = {s.id: s.fraction for s in contest.sections}
    return {
        name: sum((weights[s.id] * share(s.votes[name], s.valid) for s in sections), Fraction(0))
        for name in continuing
    }


def _batch(votes: dict[str, int]) -> list[str]:
    """Seed 000 I.iv.10: the bottom candidate goes together with any others whose votes,
    added to those below them, do not reach the candidate immediately above."""
    ordered = sorted(votes, key=votes.get)
    batch: list[str] = []
    below = 0
    for position, name in enumerate(ordered[:-1]):
        below += votes[name]
        if below < votes[ordered[position + 1]]:
            batch = ordered[: position + 1]
    return batch if len(batch) > 1 else []


def count(
    contest: Contest,
    profiles: Mapping[str, Profile],
    decisions: Sequence[TieDecision] = (),
) -> Result:
    """Count the college. `profiles` holds one (already combined) profile per section id; a
    section with voter categories is given one profile per category id instead, and is
    counted as one pool of all of them.

    A tie referred to the committee stops the count with status `decision-needed`;
    counting again with the committee's decision added to `decisions` resumes it.
    """
    expected = {part: s.id for s in contest.sections for part in parts_of(contest, s)}
    missing = [part for part in expected if part not in profiles]
    unknown = [part for part in profiles if part not in expected]
    if missing:
        kind = "section" if missing[0] == expected[missing[0]] else f"voter category of section {expected[missing[0]]!r},"
        raise CollegeError(f"no profile given for {kind} {missing[0]!r}", field="section")
    if unknown:
        raise CollegeError(
            f"profile given for {unknown[0]!r}, which is not a section (or voter category) of the contest", field="section"
        )

    summaries = [
        SectionSummary(
            id=s.id,
            name=s.name,
            weight=s.weight,
            papers=sum(profiles[part].papers for part in parts_of(contest, s)),
            blank=sum(profiles[part].blank for part in parts_of(contest, s)),
            votes_label=s.votes_label,
            categories=[
                CategorySummary(id=c.id, name=c.name, papers=profiles[c.id].papers, blank=profiles[c.id].blank)
                for c in contest.categories_of(s.id)
            ],
        )
        for s in contest.sections
    ]
    base = dict(
        contest=contest.id,
        position=contest.position,
        candidates=list(contest.candidates),
        has_college=contest.has_college,
        sections=summaries,
    )

    if len(contest.candidates) == 1:
        # A single validly nominated candidate is elected unopposed: there is no ballot.
        return Result(status="unopposed", winner=contest.candidates[0], rounds=[], **base)

    continuing = set(contest.candidates)
    piles = {
        s.id: {part: _Piles.deal(profiles[part], continuing, contest) for part in parts_of(contest, s)}
        for s in contest.sections
    }
    rounds: list[Round] = []
    tie_breaks: list[TieBreak] = []
    history: list[dict[str, Fraction]] = []
    places = contest.display.college_decimals

    while True:
        number = len(rounds) + 1
        order = [name for name in contest.candidates if name in continuing]
        sections = [_section_round(s, piles[s.id], contest) for s in contest.sections]
        shares = college_shares(contest, sections, order)
        unallocated = sum((s.fraction for s, r in zip(contest.sections, sections) if r.valid == 0), Fraction(0))
        this_round = dict(
            number=number,
            continuing=order,
            sections=sections,
            college=Share.table(shares, places, contest.display.rounding.value),
            unallocated=Share.of(unallocated, places) if unallocated else None,
        )

        leader = max(order, key=shares.__getitem__)
        if shares[leader] > HALF:  # item 27: more than 50%, strictly
            rounds.append(Round(elected=leader, **this_round))
            return Result(status="elected", winner=leader, rounds=rounds, tie_breaks=tie_breaks, **base)
        if len(order) == 1:
            # Every other candidate is eliminated; the weight of exhausted sections goes to nobody.
            rounds.append(Round(elected=leader, **this_round))
            note = (
                f"{leader} was elected as the only continuing candidate in round {number}, "
                f"with {Share.of(shares[leader], places).percent}% of the college: "
                "the rest of the college's weight lay with sections with no valid votes"
            )
            return Result(
                status="elected", winner=leader, rounds=rounds, tie_breaks=tie_breaks, notes=[note], **base
            )

        batch = _batch(sections[0].votes) if contest.batch_elimination else []
        tie_break = None
        if batch:
            eliminated = batch
        else:
            bottom = min(shares.values())
            tied = [name for name in order if shares[name] == bottom]
            if len(tied) == 1:
                eliminated = tied
            else:
                outcome = break_tie(tied, number, history, contest, decisions)
                if isinstance(outcome, Referred):
                    rounds.append(Round(**this_round))
                    needed = DecisionNeeded(
                        round=number,
                        tied=outcome.tied,
                        message=(
                            f"round {number}: {', '.join(outcome.tied)} are tied for the lowest college share; "
                            "the tie policy refers it to the Procedures Committee, whose decision is needed"
                        ),
                    )
                    return Result(
                        status="decision-needed",
                        winner=None,
                        rounds=rounds,
                        tie_breaks=tie_breaks,
                        decision_needed=needed,
                        **base,
                    )
                tie_break = outcome
                tie_breaks.append(outcome)
                eliminated = [outcome.eliminated]

        rounds.append(Round(eliminated=eliminated, batch=bool(batch), tie_break=tie_break, **this_round))
        history.append(shares)
        for name in eliminated:
            continuing.discard(name)
        for name in eliminated:
            for parts in piles.values():
                for part_piles in parts.values():
                    part_piles.transfer(name, continuing, contest)
