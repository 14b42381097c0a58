"""Ties for the lowest college share: the contest's tie policy, applied in order.

Each method either settles the tie, narrows it to fewer candidates for the next
method, or (for `refer`) stops the count until the Procedures Committee decides.

- previous-rounds: the tied candidate lower in the latest earlier round where the
  tied candidates differed (narrowing further back while some remain level);
- first-round: the tied candidate lowest in the first round;
- candidate-order: the tied candidate listed latest in the contest's candidates;
- lot: a draw any re-count reproduces. The tied names are sorted; SHA-256 is taken
  of "college-lot-v1", the lot seed, the contest id, the round and those names,
  joined by NUL bytes; the digest, read as a big-endian integer, modulo the number
  of tied candidates, picks the one eliminated;
- refer: the Procedures Committee's recorded decision for that round.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from college.contest import Contest, TieMethod
from college.errors import CollegeError
from college.count.result import TieBreak, TieDecision

History = Sequence[dict[str, Fraction]]  # college shares of earlier rounds, round 1 first


@dataclass(frozen=True)
class Referred:
    """The tie was referred to the Procedures Committee and no decision is recorded yet."""

    tied: list[str]


def lot_draw(seed: str, contest_id: str, round_number: int, tied: Sequence[str]) -> tuple[str, str]:
    """The candidate the lot eliminates, and the digest that chose them."""
    ordered = sorted(tied)
    message = "\0".join(["college-lot-v1", seed, contest_id, str(round_number), *ordered])
    digest = hashlib.sha256(message.encode("utf-8")).hexdigest()
    return ordered[int(digest, 16) % len(ordered)], digest


def _lowest(values: dict[str, Fraction]) -> list[str]:
    bottom = min(values.values())
    return [name for name, value in values.items() if value == bottom]


def break_tie(
    tied: list[str],
    round_number: int,
    history: History,
    contest: Contest,
    decisions: Sequence[TieDecision],
) -> TieBreak | Referred:
    """Settle a tie for lowest by the contest's policy; every step is in the record."""
    remaining = list(tied)
    steps: list[str] = []
    for method in contest.tie_policy:
        if method is TieMethod.previous_rounds:
            for earlier in range(len(history), 0, -1):
                shares = {name: history[earlier - 1][name] for name in remaining}
                lowest = _lowest(shares)
                if len(lowest) < len(remaining):
                    steps.append(f"in round {earlier}, lowest: {', '.join(lowest)}")
                    remaining = lowest
                if len(remaining) == 1:
                    break
        elif method is TieMethod.first_round and history:
            lowest = _lowest({name: history[0][name] for name in remaining})
            if len(lowest) < len(remaining):
                steps.append(f"in round 1, lowest: {', '.join(lowest)}")
            remaining = lowest
        elif method is TieMethod.candidate_order:
            latest = max(remaining, key=contest.candidates.index)
            steps.append(f"listed latest of {', '.join(remaining)}")
            remaining = [latest]
        elif method is TieMethod.lot:
            chosen, digest = lot_draw(contest.lot_seed or "", contest.id, round_number, remaining)
            steps.append(f"drawn by lot from {', '.join(sorted(remaining))} (sha256 {digest})")
            remaining = [chosen]
        elif method is TieMethod.refer:
            decision = next((d for d in decisions if d.round == round_number), None)
            if decision is None:
                return Referred(remaining)
            if decision.eliminate not in remaining:
                raise CollegeError(
                    f"the decision for round {round_number} names {decision.eliminate!r}, "
                    f"who is not one of the tied candidates ({', '.join(remaining)})",
                    field="decisions",
                )
            note = f": {decision.note}" if decision.note else ""
            steps.append(f"decided by {decision.decided_by}{note}")
            remaining = [decision.eliminate]
        if len(remaining) == 1:
            return TieBreak(
                round=round_number, tied=tied, method=method, eliminated=remaining[0], detail="; ".join(steps)
            )
    raise CollegeError(  # unreachable for a validated contest: its policy ends in a decisive method
        f"round {round_number}: the tie policy did not settle the tie between {', '.join(remaining)}",
        field="tie_policy",
    )
