"""Reading a paper: which candidate it counts for, given who is still continuing.

Seed 003 item 26 and DESIGN.md rule 1: each paper counts for its highest-ranked
continuing candidate; a paper with none left is non-transferable. The contest's
`ballots` rules say what an overvote, a gap in the sequence and a repeated name do.
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
    last_marked = 0  # 1-based place of the last preference that carried a mark
    seen: set[str] = set()
    for place, mark in enumerate(ranking, start=1):
        if not mark:
            continue
        gap = place - last_marked - 1
        if rules.max_skipped_ranks is not None and gap > rules.max_skipped_ranks:
            return None  # the sequence is broken: the paper stops here
        last_marked = place
        if len(mark) > 1:
            if rules.overvote is Overvote.exhaust:
                return None
            if rules.overvote is Overvote.exhaust_if_multiple_continuing:
                alive = [name for name in mark if name in continuing]
                if len(alive) > 1:
                    return None
                if alive:
                    return alive[0]
            seen.update(mark)
            continue
        name = mark[0]
        if name in seen:
            if rules.duplicate is Duplicate.exhaust:
                return None
            continue
        seen.add(name)
        if name in continuing:
            return name
    return None
