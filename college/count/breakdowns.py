"""Breakdowns of every round: a group of papers (an affiliate's return, a CLP's members, a voter
category) followed through the count's rounds (seed 003 item 29: "a breakdown of how votes
were cast" goes to the NEC).

A group's papers count, in each round, for their highest-ranked continuing candidate, read by
the contest's own rules (college/ballots.py), with the rounds' continuing candidates taken from
the declared result: the group does not eliminate anyone, it is only followed. So the groups of
a section add up, round by round, to the section's own figures, and what a group's papers did
when a candidate was eliminated is the difference between two of its rounds (`transfers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from college.ballots import Ranking, preference
from college.contest import Contest
from college.model import Model
from college.count.result import Result

Kind = Literal["affiliate", "clp", "category"]


class GroupRound(Model):
    round: int
    votes: dict[str, int] = Field(description="papers counting for each continuing candidate this round")
    non_transferable: int = Field(description="papers with no continuing candidate left this round")


class GroupRounds(Model):
    """One group of a section's papers, round by round."""

    kind: Kind
    key: str = Field(description="the body's id, the CLP's name or the category's id")
    name: str
    section: str
    rounds: list[GroupRound]

    @property
    def papers(self) -> int:
        first = self.rounds[0] if self.rounds else None
        return sum(first.votes.values()) + first.non_transferable if first else 0


class Reader:
    """Each distinct ranking read once per round, shared by every group of a contest."""

    def __init__(self, result: Result, contest: Contest):
        self.continuing = [frozenset(r.continuing) for r in result.rounds]
        self.numbers = [r.number for r in result.rounds]
        self.order = [list(r.continuing) for r in result.rounds]
        self.rules = contest.ballots
        self._cache: dict[Ranking, tuple[str | None, ...]] = {}

    def reading(self, ranking: Ranking) -> tuple[str | None, ...]:
        """The candidate this paper counts for in each round (None: non-transferable)."""
        found = self._cache.get(ranking)
        if found is None:
            found = tuple(preference(ranking, alive, self.rules) for alive in self.continuing)
            self._cache[ranking] = found
        return found

    def rounds(self, rankings: Iterable[tuple[Ranking, int]]) -> list[GroupRound]:
        votes = [dict.fromkeys(names, 0) for names in self.order]
        dropped = [0] * len(self.order)
        for ranking, papers in rankings:
            for place, name in enumerate(self.reading(ranking)):
                if name is None:
                    dropped[place] += papers
                else:
                    votes[place][name] += papers
        return [GroupRound(round=n, votes=v, non_transferable=d) for n, v, d in zip(self.numbers, votes, dropped)]


def group_rounds(
    reader: Reader, kind: Kind, key: str, name: str, section: str, rankings: Mapping[Ranking, int] | Iterable[tuple[Ranking, int]]
) -> GroupRounds:
    rows = rankings.items() if isinstance(rankings, Mapping) else rankings
    return GroupRounds(kind=kind, key=key, name=name, section=section, rounds=reader.rounds(rows))


@dataclass(frozen=True)
class GroupTransfer:
    """Papers of a group that counted for an eliminated candidate in `round` and for `target`
    (None: non-transferable) in the next."""

    round: int
    sources: tuple[str, ...]
    target: str | None
    papers: int


def transfers(group: GroupRounds, result: Result) -> list[GroupTransfer]:
    """Papers move only from the eliminated, so each gain in the next round is a transfer."""
    moves = []
    for (before, after), declared in zip(zip(group.rounds, group.rounds[1:]), result.rounds):
        sources = tuple(declared.eliminated)
        for name in after.votes:
            moves.append(GroupTransfer(before.round, sources, name, after.votes[name] - before.votes[name]))
        moves.append(GroupTransfer(before.round, sources, None, after.non_transferable - before.non_transferable))
    return moves
