"""A paper as the count reads it: the candidates it can count for, in order.

College/ballots.py reads a paper from the top for a given set of continuing candidates.
The same reading, done once for every set at once, is an order of names: a paper counts for
the first name of this order still continuing. Excluded names are dropped, a paper stops
where the contest's rules stop it (a broken sequence, an overvote read as exhausting, a
repeat read as exhausting), an overvote read as skipped is passed over, and a name already
in the order is not written twice. Only an overvote read by exhaust-if-multiple-continuing
with two or more names not yet in the order has no such order: it is kept as a tie (a set of
names), which counts for its one continuing name, stops the paper if two or more continue,
and is passed over if none does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from college.contest import BallotRules, Duplicate, Overvote
from college.declaration import Declaration
from college.count.rules import parts_of
from college.profile import Ranking, combine, profile_from_file

Order = tuple[frozenset[str], ...]  # each place one name, or a tie of several


def as_read(ranking: Ranking, candidates: frozenset[str], rules: BallotRules) -> Order:
    limit, repeat_stops = rules.max_skipped_ranks, rules.duplicate is Duplicate.exhaust
    order: list[frozenset[str]] = []
    listed: set[str] = set()
    last_marked, seen = 0, set()
    for place, mark in enumerate(ranking, start=1):
        if not mark:
            continue
        if limit is not None and place - last_marked - 1 > limit:
            break
        last_marked = place
        if repeat_stops:
            if seen.intersection(mark):
                break
            seen.update(mark)
        if len(mark) > 1:
            if rules.overvote is Overvote.exhaust:
                break
            if rules.overvote is Overvote.exhaust_if_multiple_continuing:
                open_ = frozenset(n for n in mark if n in candidates and n not in listed)
                if open_:
                    order.append(open_)
                    listed.update(open_)
            continue
        name = mark[0]
        if name in candidates and name not in listed:
            order.append(frozenset((name,)))
            listed.add(name)
    return tuple(order)


def counts_for(order: Order, continuing) -> str | None:
    """The candidate a paper read as `order` counts for (for the tests: the same answer as college.ballots)."""
    for place in order:
        alive = [n for n in place if n in continuing]
        if len(alive) > 1:
            return None
        if alive:
            return alive[0]
    return None


@dataclass(frozen=True)
class SectionPapers:
    section: str
    name: str
    candidates: list[str]
    orders: dict[Order, int]  # papers read as each order; the empty order: no preference the count can read
    blank: int  # papers with nothing marked: spoilt, never counted

    @property
    def strict(self) -> bool:
        return all(len(place) == 1 for order in self.orders for place in order)

    @property
    def tied(self) -> int:
        return sum(n for order, n in self.orders.items() if any(len(place) > 1 for place in order))

    @property
    def unreadable(self) -> int:
        return self.orders.get((), 0)


def section_papers(declaration: Declaration, section_id: str) -> SectionPapers:
    """A section's papers; a section with voter categories is one pool of all of theirs."""
    contest = declaration.contest
    section = contest.section(section_id)
    profile = combine(profile_from_file(declaration.profiles[part]) for part in parts_of(contest, section))
    candidates = frozenset(contest.candidates)
    orders: Counter = Counter()
    for ranking, papers in profile.rankings.items():
        orders[as_read(ranking, candidates, contest.ballots)] += papers
    return SectionPapers(section_id, section.name, list(contest.candidates), dict(orders), profile.blank)
