"""Reading a paper (seed 003 item 26): written once, here.

Each paper counts for its highest-ranked continuing candidate; a paper with none left is
non-transferable. The contest's `ballots` rules say what an overvote, a gap in the
sequence and a repeated name do. Everything else that reads papers is this rule or a
consequence of it: the profile reads a cell as a mark with `mark_of`; a return carries
each paper as its `plain_ranking` (college/returns.py); and the count reads `is_plain`
papers many at a time (college/count/piles.py), since no rule but the first can touch
them. tests/test_properties.py proves that fast path and `preference` agree.

A paper is read from the top, one preference at a time, in this order (`reached`):
1. a gap: more consecutive unmarked preferences before this one than the contest
   allows stops the paper (the sequence is broken);
2. a repeat (duplicate = exhaust only): a name already marked at a higher preference,
   alone or in an overvote, stops the paper;
3. an overvote (two or more names at one preference) stops the paper (exhaust), is passed
   over (skip), or (exhaust-if-multiple-continuing) is read by who is continuing: it stops
   the paper if two or more of its names are, counts for the one that is, and is passed
   over if none is;
4. a single name counts if that candidate is continuing; otherwise (eliminated,
   excluded, or marked again lower down) the next preference is read.
With duplicate = skip a repeated name is read like any other: a name marked alone
higher up either counted there or was not continuing, so it can count at its repeat
only when its earlier mark was an overvote that was passed over.
"""

from __future__ import annotations

from collections.abc import Container, Iterator

from college.contest import BallotRules, Contest, Duplicate, Overvote
from college.errors import CollegeError

Mark = tuple[str, ...]  # the names marked at one preference: one, none (skipped) or several (an overvote)
Ranking = tuple[Mark, ...]


def mark_of(cell: str, contest: Contest) -> Mark:
    """A CSV or Parquet cell as a mark: a name the contest knows, or names split at its overvote delimiter."""
    if cell in contest.candidates or cell in contest.excluded:
        return (cell,)
    delimiter = contest.ballots.overvote_delimiter
    if delimiter in cell:
        return tuple(part.strip() for part in cell.split(delimiter) if part.strip())
    return (cell,)


def reached(ranking: Ranking, rules: BallotRules) -> Iterator[Mark]:
    """The marks a reader reaches, top down, whoever is continuing (steps 1-3).

    A gap, a repeat under duplicate = exhaust and an overvote under overvote = exhaust end
    the paper; an overvote under skip is passed over. What is left is single names, and
    under exhaust-if-multiple-continuing the overvotes, which only `continuing` can read.
    """
    limit, repeat_stops, overvote = rules.max_skipped_ranks, rules.duplicate is Duplicate.exhaust, rules.overvote
    last_marked = 0  # 1-based place of the last preference that carried a mark
    seen: set[str] = set()
    for place, mark in enumerate(ranking, start=1):
        if not mark:
            continue
        if limit is not None and place - last_marked - 1 > limit:
            return  # the sequence is broken: the paper stops here
        last_marked = place
        if repeat_stops:
            if seen.intersection(mark):
                return
            seen.update(mark)
        if len(mark) > 1 and overvote is Overvote.exhaust:
            return
        if len(mark) > 1 and overvote is Overvote.skip:
            continue
        yield mark


def preference(ranking: Ranking, continuing: Container[str], rules: BallotRules) -> str | None:
    """The continuing candidate this paper counts for, or None if it is non-transferable.

    Reading is always from the top, so the answer depends only on the paper and the
    continuing candidates, never on the order of earlier rounds.
    """
    for mark in reached(ranking, rules):
        alive = [name for name in mark if name in continuing]
        if len(mark) > 1 and len(alive) > 1:
            return None  # exhaust-if-multiple-continuing: two of its names continue
        if alive:
            return alive[0]
    return None


def plain_ranking(ranking: Ranking, contest: Contest) -> tuple[str, ...]:
    """The paper as the plain ranking a return carries: the candidates it can count for, in order.

    For every set of continuing candidates the paper counts for the same candidate as its
    plain ranking does: withdrawn candidates, passed-over overvotes and later repeats of a
    name already ranked drop out; where the reader stops, the ranking ends.
    """
    candidates = set(contest.candidates)
    plain: list[str] = []
    for mark in reached(ranking, contest.ballots):
        standing = [name for name in mark if name in candidates]
        if len(standing) > 1:
            raise CollegeError(
                "a paper marks several candidates at one preference, and the contest's overvote rule "
                "(exhaust-if-multiple-continuing) depends on who is still continuing: a return carries "
                "plain rankings, so resolve these papers under the scrutineer's rules first",
                field="ballots.overvote",
            )
        # A name already ranked higher never counts here: wherever it continues, it counted there.
        if standing and standing[0] not in plain:
            plain.append(standing[0])
    return tuple(plain)


def is_plain(ranking: Ranking) -> bool:
    """One name at each preference from the first, none twice: steps 1-3 cannot touch such a
    paper under any rules, so it counts for its highest-ranked continuing name."""
    names = [mark[0] for mark in ranking if len(mark) == 1]
    return len(names) == len(ranking) and len(set(names)) == len(names)
