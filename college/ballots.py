"""Reading a paper: which candidate it counts for, given who is still continuing.

Seed 003 item 26 and DESIGN.md rule 1: each paper counts for its highest-ranked
continuing candidate; a paper with none left is non-transferable. The contest's
`ballots` rules say what an overvote, a gap in the sequence and a repeated name do.

A paper is read from the top, one preference at a time, in this order:
1. a gap: more consecutive unmarked preferences before this one than the contest
   allows stops the paper (the sequence is broken);
2. a repeat (duplicate = exhaust only): a name already marked at a higher preference,
   alone or in an overvote, stops the paper;
3. an overvote (two or more names at one preference) stops the paper, is passed over,
   or (exhaust-if-multiple-continuing) stops it only if two or more of its names are
   still continuing, counts for the one that is, and is passed over if none is;
4. a single name counts if that candidate is continuing; otherwise (eliminated,
   excluded, or marked again lower down) the next preference is read.
With duplicate = skip a repeated name is read like any other: a name marked alone
higher up either counted there or was not continuing, so it can count at its repeat
only when its earlier mark was an overvote that was passed over.
"""

from __future__ import annotations

from collections.abc import Container

from college.contest import BallotRules, Duplicate, Overvote
from college.profile import Ranking


def preference(ranking: Ranking, continuing: Container[str], rules: BallotRules) -> str | None:
    """The continuing candidate this paper counts for, or None if it is non-transferable.

    Reading is always from the top, so the answer depends only on the paper and the
    continuing candidates, never on the order of earlier rounds.
    """
    limit, repeat_stops, overvote = rules.max_skipped_ranks, rules.duplicate is Duplicate.exhaust, rules.overvote
    last_marked = 0  # 1-based place of the last preference that carried a mark
    seen: set[str] = set()
    for place, mark in enumerate(ranking, start=1):
        if not mark:
            continue
        if limit is not None and place - last_marked - 1 > limit:
            return None  # the sequence is broken: the paper stops here
        last_marked = place
        if repeat_stops:
            if seen.intersection(mark):
                return None
            seen.update(mark)
        if len(mark) > 1:
            if overvote is Overvote.exhaust:
                return None
            if overvote is Overvote.exhaust_if_multiple_continuing:
                alive = [name for name in mark if name in continuing]
                if len(alive) > 1:
                    return None
                if alive:
                    return alive[0]
            continue
        if mark[0] in continuing:
            return mark[0]
    return None
