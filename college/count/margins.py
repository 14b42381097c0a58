"""How close the count was, and whether papers it did not count could have changed it.

Made for the declaration's reports only (they read a Declaration): nothing here runs before.
Exact arithmetic throughout (Fractions); figures are rounded only where the reports show them.

Margins, each round of the declared count (seed 003 items 23 and 27):
- at the bottom, between the eliminated candidate and the next lowest: the gap in college
  share, and for each section the fewest extra papers there (all counting for the eliminated
  candidate, every other section as it was) that would have lifted them level with or above
  the next (a tie, settled by the tie policy, or a pass);
- at the top, between the leader and one half: the gap, and for each section the fewest extra
  papers for the leader that would have taken them past 50% (item 27: more than 50%); in the
  round the winner was elected, the fewest extra papers for anyone else that would have held
  the winner to 50% or less.

Why "all for one candidate" is the worst case in a section: a candidate's share of a section
is votes / valid. Papers added for E raise E's share and lower everyone else's in proportion;
(e - y + x) / (V + x) only grows with x, and putting any of the x elsewhere gives less. Papers
added for anyone but W lower W's share to w / (V + x), whoever they are for.

Sensitivity: papers that were not counted (a missing, late or rejected body's, at its
certified size; papers ruled ineligible) could have been added to their section; papers
issued beyond a body's certified count could have been taken away. For each round of the
declared count we take the worst the papers could do in that round, alone, however they were
ranked: if in no round could they change who is eliminated, elect someone other than the
winner, or stop the winner reaching more than 50%, then by induction on the rounds the count
runs the same and the result stands ("could not"). Otherwise we look for papers that do change
it: a recount with the papers added, ranking one candidate or two, by the count itself. Found,
the verdict is "could", with those papers as the proof. For the winner there is one more test:
a search over every order of eliminations the papers could bring about (`Recounts.winners`);
when it finds no winner but the declared one, the winner "could not" have changed even though
an elimination could. Otherwise, "not ruled out", with the bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations
from typing import Literal

from pydantic import Field

from college.ballots import preference
from college.count.result import Result, Round, SectionRound, Share
from college.count.rules import count, parts_of
from college.model import Model
from college.profile import combine, from_rows

HALF = Fraction(1, 2)
PLACES = 2  # percentages of the college as the reports show them


# --- the arithmetic ----------------------------------------------------------------------


def _fraction(votes: int, valid: int) -> Fraction:
    return Fraction(votes, valid) if valid else Fraction(0)


def least_to_reach(a: int, b: int, t: Fraction, strict: bool) -> int | None:
    """The fewest x >= 0 with (a + x) / (b + x) >= t (> t if strict), or None if no x does.

    (a + x) / (b + x) is a section share after x papers are added for one side (a is that
    side's lead in the section, possibly negative; b the section's valid votes, a <= b); it is
    0 while b + x is 0 and rises towards 1 as x grows.
    """
    def holds(value: Fraction) -> bool:
        return value > t if strict else value >= t

    if holds(_fraction(a, b)):
        return 0
    if t > 1 or (t == 1 and strict):
        return None
    if t == 1:
        return (0 if b else 1) if a == b else None
    bound = (t * b - a) / (1 - t)
    x = math.floor(bound) + 1 if strict else math.ceil(bound)
    return max(x, 0 if b else 1)


def least_to_lower(w: int, b: int, t: Fraction) -> int | None:
    """The fewest x >= 0 with w / (b + x) <= t: papers added for others hold a share to t."""
    if _fraction(w, b) <= t:
        return 0
    if t <= 0:
        return None
    return max(math.ceil(w / t - b), 0)


def _weights(result: Result) -> dict[str, Fraction]:
    return {s.id: Fraction(s.weight) for s in result.sections}


def _college(round_: Round) -> dict[str, Fraction]:
    return {name: share.fraction for name, share in round_.college.items()}


@dataclass(frozen=True)
class Change:
    """One way a round's outcome could go otherwise, and who would need papers for it."""

    kind: Literal["elimination", "election", "winner-held"]
    riser: str | None  # who the added papers count for (None: anyone but `subject`)
    subject: str  # the candidate the round's outcome is about
    rival: str | None  # for an elimination: the candidate the eliminated would draw level with

    def describe(self) -> str:
        if self.kind == "elimination":
            return f"{self.subject} level with or above {self.rival}"
        if self.kind == "election":
            return f"{self.subject} above 50%"
        return f"{self.subject} held to 50% or less"


def changes(result: Result, round_: Round) -> list[Change]:
    """Every way this round's outcome could have gone otherwise (for the sensitivity bound)."""
    if round_.elected is not None:
        return [Change("winner-held", None, round_.elected, None)] if len(round_.continuing) > 1 else []
    out = []
    survivors = [n for n in round_.continuing if n not in round_.eliminated]
    for gone in round_.eliminated:
        out += [Change("elimination", gone, gone, other) for other in survivors]
    out += [Change("election", n, n, None) for n in round_.continuing if n != result.winner]
    return out


def _section_lead(section: SectionRound, change: Change) -> int:
    votes = section.votes
    if change.kind == "elimination":
        return votes[change.subject] - votes[change.rival]
    return votes[change.subject]


def _others(change: Change, college: Mapping[str, Fraction], section: SectionRound, weight: Fraction) -> Fraction:
    """What the rest of the college adds to the comparison, the section itself taken out."""
    lead = _section_lead(section, change)
    here = weight * _fraction(lead, section.valid)
    if change.kind == "elimination":
        return college[change.subject] - college[change.rival] - here
    return college[change.subject] - here


def papers_to_change(result: Result, round_: Round, section: SectionRound, change: Change) -> int | None:
    """The fewest papers added in this one section that would have changed the round this way."""
    weight = _weights(result)[section.id]
    rest = _others(change, _college(round_), section, weight)
    if change.kind == "elimination":
        return least_to_reach(_section_lead(section, change), section.valid, -rest / weight, strict=False)
    if change.kind == "election":
        return least_to_reach(section.votes[change.subject], section.valid, (HALF - rest) / weight, strict=True)
    return least_to_lower(section.votes[change.subject], section.valid, (HALF - rest) / weight)


def college_after(round_: Round, weights: Mapping[str, Fraction], added: Mapping[str, Mapping[str | None, int]]) -> dict[str, Fraction]:
    """Each continuing candidate's college share with papers added per section, {candidate: papers}
    (None: papers counting for nobody, which change nothing)."""
    out = {}
    for name in round_.continuing:
        total = Fraction(0)
        for s in round_.sections:
            extra = added.get(s.id, {})
            valid = s.valid + sum(v for k, v in extra.items() if k is not None)
            total += weights[s.id] * _fraction(s.votes[name] + extra.get(name, 0), valid)
        out[name] = total
    return out


def _changed(change: Change, college: Mapping[str, Fraction]) -> bool:
    if change.kind == "elimination":
        return college[change.subject] >= college[change.rival]
    if change.kind == "election":
        return college[change.subject] > HALF
    return college[change.subject] <= HALF


# --- margins ----------------------------------------------------------------------------


class SectionPapers(Model):
    section: str
    papers: int | None = Field(description="fewest extra papers in this section alone; null: no number would do")


class Margin(Model):
    round: int
    where: Literal["bottom", "top"]
    candidate: str = Field(description="bottom: the eliminated; top: the leader (or the winner)")
    against: str = Field(description='bottom: the next lowest candidate; top: "50%"')
    gap: Share = Field(description="in college share")
    papers_for: str = Field(description="who the papers would count for")
    closes: str = Field(description="what the papers would bring about")
    papers: list[SectionPapers]


def margins(result: Result) -> list[Margin]:
    out = []
    for round_ in result.rounds:
        college = _college(round_)
        if round_.eliminated:
            survivors = [n for n in round_.continuing if n not in round_.eliminated]
            gone = max(round_.eliminated, key=college.__getitem__)
            rival = min(survivors, key=college.__getitem__)
            change = Change("elimination", gone, gone, rival)
            out.append(_margin(result, round_, "bottom", change, college[rival] - college[gone], gone, rival, gone))
        if round_.elected is not None:
            if len(round_.continuing) > 1:
                change = Change("winner-held", None, round_.elected, None)
                out.append(_margin(result, round_, "top", change, college[round_.elected] - HALF, round_.elected, "50%",
                                   "anyone else"))
        elif round_.eliminated:
            leader = max(round_.continuing, key=college.__getitem__)
            change = Change("election", leader, leader, None)
            out.append(_margin(result, round_, "top", change, HALF - college[leader], leader, "50%", leader))
    return out


def _margin(result: Result, round_: Round, where, change: Change, gap: Fraction, candidate: str, against: str,
            papers_for: str) -> Margin:
    return Margin(
        round=round_.number,
        where=where,
        candidate=candidate,
        against=against,
        gap=Share.of(gap, PLACES),
        papers_for=papers_for,
        closes=change.describe(),
        papers=[SectionPapers(section=s.id, papers=papers_to_change(result, round_, s, change)) for s in round_.sections],
    )


# --- sensitivity ------------------------------------------------------------------------


class Uncounted(Model):
    """Papers the count did not hold (added) or might not have held (removed), in one section."""

    subject: str = Field(description="the body, or the papers, in words")
    reason: str
    section: str
    papers: int = Field(ge=0)
    effect: Literal["added", "removed"] = "added"
    body_rounds: list[dict[str, int]] | None = Field(
        default=None, description="removed papers only: the body's papers for each candidate, round by round"
    )


class RoundBound(Model):
    round: int
    needed: int | None = Field(description="fewest papers, in this section, that could change this round; null: none")
    change: str | None = Field(description="the change those papers would bring about")
    could: bool = Field(description="the papers could change this round, on the bound")


Verdict = Literal["could not", "could", "not ruled out"]


class Sensitivity(Model):
    subject: str
    reason: str
    section: str
    papers: int
    effect: Literal["added", "removed"]
    elimination: Verdict = Field(description="could these papers have changed who was eliminated in some round")
    winner: Verdict = Field(description="could these papers have changed the winner")
    bounds: list[RoundBound]
    witnesses: list[str] = Field(default_factory=list, description="papers that, added, change the count, and what they change")


def _removal_worst(round_: Round, section: SectionRound, weights, change: Change, k: int, body: Mapping[str, int]) -> bool:
    """Whether removing up to k of a body's papers (its figures this round: `body`) could make `change`."""
    college = _college(round_)
    weight = weights[section.id]
    rest = _others(change, college, section, weight)
    valid, votes = section.valid, section.votes
    body_valid = sum(body.values())

    def share_of(numerator: int, removed: int) -> Fraction:
        return weight * _fraction(numerator, valid - removed)

    if change.kind == "elimination":
        from_rival = min(k, body.get(change.rival, 0))
        lead = votes[change.subject] - votes[change.rival] + from_rival
        others = 0
        if lead > 0:  # with the eliminated ahead here, thinning the section widens their lead
            others = min(k - from_rival, body_valid - body.get(change.rival, 0) - body.get(change.subject, 0))
        return rest + share_of(lead, from_rival + others) >= 0
    if change.kind == "election":
        taken = min(k, body_valid - body.get(change.subject, 0))
        return rest + share_of(votes[change.subject], taken) > HALF
    taken = min(k, body.get(change.subject, 0))
    return rest + share_of(votes[change.subject] - taken, taken) <= HALF


def round_bounds(result: Result, item: Uncounted) -> list[RoundBound]:
    """For each round: the fewest papers in the item's section that could change it, and
    whether the item's papers could (the worst they could do in that round)."""
    weights = _weights(result)
    out = []
    for place, round_ in enumerate(result.rounds):
        section = next(s for s in round_.sections if s.id == item.section)
        best: tuple[int, str] | None = None
        could = False
        for change in changes(result, round_):
            if item.effect == "added":
                needed = papers_to_change(result, round_, section, change)
                if needed is not None and (best is None or needed < best[0]):
                    best = (needed, change.describe())
                could = could or (needed is not None and needed <= item.papers)
            elif item.body_rounds is None:  # the body's own figures are unknown: no bound
                could = True
            elif item.papers and _removal_worst(round_, section, weights, change, item.papers, item.body_rounds[place]):
                could = True
                best = best or (item.papers, change.describe())
        if round_.batch:  # the eliminating-ballot rule moves on votes, not on one comparison: no bound
            could, best = True, None
        out.append(RoundBound(round=round_.number, needed=best[0] if best else None,
                              change=best[1] if best else None, could=could and item.papers > 0))
    return out


def changed_elimination(declared: Result, other: Result) -> str | None:
    """The first round the other count eliminates someone else, or stops for the committee."""
    if other.status == "decision-needed":
        return f"a tie in round {other.rounds[-1].number} that the Procedures Committee would have had to decide"
    for a, b in zip(declared.rounds, other.rounds):
        if b.eliminated and a.eliminated != b.eliminated:
            was = f"instead of {', '.join(a.eliminated)}" if a.eliminated else f"where {a.elected} was elected"
            return f"round {a.number}: {', '.join(b.eliminated)} eliminated {was}"
    return None


def changed_winner(declared: Result, other: Result) -> str | None:
    if other.status != "decision-needed" and other.winner != declared.winner:
        return f"{other.winner} elected instead of {declared.winner}"
    return None


def _trial_rankings(result: Result, bounds: list[RoundBound]) -> list[tuple[str, ...]]:
    """Rankings to try, most promising first: one name for whoever the bound says could rise,
    then every single name and every ordered pair."""
    first: list[tuple[str, ...]] = []
    for bound, round_ in zip(bounds, result.rounds):
        if bound.could:
            for change in changes(result, round_):
                riser = change.riser or next((n for n in round_.continuing if n != change.subject), None)
                if riser is not None:
                    first.append((riser,))
    names = result.candidates
    return list(dict.fromkeys(first + [(n,) for n in names] + list(permutations(names, 2))))


def sensitivity(result: Result, item: Uncounted, papers: Recounts) -> Sensitivity:
    """The verdicts on one item of uncounted papers, from the bound, the search over every order of
    eliminations the papers could bring about, and recounts of the declared papers with some added."""
    bounds = round_bounds(result, item)
    base = dict(subject=item.subject, reason=item.reason, section=item.section, papers=item.papers,
                effect=item.effect, bounds=bounds)
    if not any(b.could for b in bounds):
        return Sensitivity(elimination="could not", winner="could not", **base)
    elimination = winner = None
    if item.effect == "added":
        for ranking in _trial_rankings(result, bounds):
            other = papers.recount({item.section: [(ranking, item.papers)]})
            shown = f"{item.papers:,} papers ranking {' then '.join(ranking)} would have made "
            if elimination is None and (found := changed_elimination(result, other)):
                elimination = shown + found
            if winner is None and (found := changed_winner(result, other)):
                winner = shown + found
            if elimination and winner:
                break
    held = item.effect == "added" and not winner and papers.winners({item.section: item.papers}) == {result.winner}
    return Sensitivity(
        elimination="could" if elimination else "not ruled out",
        winner="could" if winner else "could not" if held else "not ruled out",
        witnesses=[w for w in dict.fromkeys((elimination, winner)) if w],
        **base,
    )


class Recounts:
    """The declared papers, counted again with papers added (to find papers that change the result),
    or searched for every winner that any papers of given numbers could bring about."""

    BUDGET = 4_000_000  # papers' readings the search may make before it gives up ("not ruled out")

    def __init__(self, contest, profiles, decisions=()):
        self.contest, self.profiles, self.decisions = contest, profiles, decisions

    def recount(self, added: Mapping[str, Sequence[tuple[tuple[str, ...], int]]]) -> Result:
        extra = {}
        for sid, rows in added.items():
            # A section with voter categories is one pool: the papers join it through its first category.
            part = parts_of(self.contest, self.contest.section(sid))[0]
            extra[part] = self.profiles[part] + from_rows((tuple((n,) for n in ranking), papers) for ranking, papers in rows)
        return count(self.contest, {**self.profiles, **extra}, self.decisions)

    def winners(self, added: Mapping[str, int]) -> set[str] | None:
        """Everyone who could be elected with up to `added[section]` more papers in each section,
        however marked; None if the search is too large to finish.

        Each state is a set of continuing candidates. In it the papers could elect anyone whose share,
        with all the added papers, exceeds one half, and (unless someone must exceed it whatever the
        papers) could make lowest anyone who, with all the papers on a rival, is no higher than that
        rival, for every rival. Both over-reach what the papers can do together, so the set found holds
        every real winner: when it is the declared winner alone, no papers could have changed the winner.
        """
        contest = self.contest
        if contest.batch_elimination:  # several may go at once: the search follows one at a time only
            return None
        sections = [(s, Fraction(s.weight), added.get(s.id, 0),
                     list(combine(self.profiles[p] for p in parts_of(contest, s)).rankings.items()))
                    for s in contest.sections]
        cost = sum(len(rows) for *_, rows in sections)
        known: dict[frozenset[str], set[str]] = {}
        spent = 0

        def figures(alive: frozenset[str]) -> list[tuple[Fraction, int, int, dict[str, int]]]:
            out = []
            for _, weight, k, rows in sections:
                votes = dict.fromkeys(alive, 0)
                for ranking, n in rows:
                    name = preference(ranking, alive, contest.ballots)
                    if name is not None:
                        votes[name] += n
                out.append((weight, k, sum(votes.values()), votes))
            return out

        def share(figs, name: str, riser: str | None) -> Fraction:
            """`name`'s college share with every section's added papers counting for `riser`."""
            return sum((w * _fraction(v[name] + (k if riser == name else 0), valid + (k if riser else 0))
                        for w, k, valid, v in figs), Fraction(0))

        def search(alive: frozenset[str]) -> set[str]:
            nonlocal spent
            if alive in known:
                return known[alive]
            if len(alive) == 1:
                return set(alive)
            spent += cost
            if spent > self.BUDGET:
                raise _TooLarge
            figs = figures(alive)
            found = {x for x in alive if share(figs, x, x) > HALF}
            surely = any(share(figs, x, next(y for y in alive if y != x)) > HALF for x in alive)
            if not surely:
                for gone in alive:
                    if all(share(figs, gone, rival) <= share(figs, rival, rival) for rival in alive if rival != gone):
                        found |= search(alive - {gone})
            known[alive] = found
            return found

        try:
            return search(frozenset(contest.candidates))
        except _TooLarge:
            return None


class _TooLarge(Exception):
    pass


def combined(result: Result, items: Sequence[Uncounted]) -> list[RoundBound]:
    """All added papers together, each section's at once: per round, whether the worst they could
    do together (all for the candidate who would gain) changes the round."""
    added: dict[str, int] = {}
    for item in items:
        if item.effect == "added":
            added[item.section] = added.get(item.section, 0) + item.papers
    weights = _weights(result)
    out = []
    for round_ in result.rounds:
        found = None
        for change in changes(result, round_):
            if change.riser is not None:
                extra = {s: {change.riser: k} for s, k in added.items()}
            else:
                other = next(n for n in round_.continuing if n != change.subject)
                extra = {s: {other: k} for s, k in added.items()}
            if _changed(change, college_after(round_, weights, extra)):
                found = change.describe()
                break
        out.append(RoundBound(round=round_.number, needed=None, change=found, could=found is not None))
    return out
