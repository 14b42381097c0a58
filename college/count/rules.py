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

Arithmetic is exact: votes are integers, shares are fractions. Each round is a value; a
round in, a round out: `next_round` takes the rounds before it and the papers where they
lie, and gives the next. How a paper is read is college/ballots.py (item 26); moving
papers is college/count/piles.py; ties are college/count/ties.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from college.contest import Category, Contest, Display, Section
from college.count.piles import Piles
from college.count.result import (
    CategoryRound,
    CategorySummary,
    DecisionNeeded,
    Result,
    Round,
    SectionRound,
    SectionSummary,
    Share,
    TieDecision,
)
from college.count.shares import share
from college.count.ties import Referred, break_tie
from college.errors import CollegeError
from college.profile import Profile

HALF = Fraction(1, 2)


Parts = Mapping[str, Piles]  # a section's piles: its own, or one per voter category (one pool)


def section_round(section: Section, parts: Parts, contest: Contest) -> SectionRound:
    """Item 24: the section's totals, each as a share of the section's valid votes.

    A one-member-one-vote section whose papers carry a voter category is one pool: its
    totals are the sum of its categories', and each category is shown apart as well.
    """
    display = contest.display
    any_part = next(iter(parts.values()))
    votes = {name: sum(piles.votes[name] for piles in parts.values()) for name in contest.candidates if name in any_part.votes}
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


def _category_round(category: Category, piles: Piles, names: list[str], display: Display) -> CategoryRound:
    votes = {name: piles.votes[name] for name in names}
    return CategoryRound(
        id=category.id,
        name=category.name,
        valid=piles.valid,
        non_transferable=piles.non_transferable,
        votes=votes,
        shares=Share.table({n: share(v, piles.valid) for n, v in votes.items()}, display.category_places, display.rounding.value),
    )


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


def next_round(
    contest: Contest, piles: Mapping[str, Parts], earlier: Sequence[Round], decisions: Sequence[TieDecision]
) -> tuple[Round, Referred | None]:
    """The next round, from the papers where they lie and the rounds before it: its figures
    (items 23-24) and who is elected or eliminated (item 27). When the tie policy refers a
    tie to the Procedures Committee, the round holds its figures only and the tie comes beside it."""
    number = len(earlier) + 1
    last = earlier[-1] if earlier else None
    continuing = [n for n in last.continuing if n not in last.eliminated] if last else list(contest.candidates)
    sections = [section_round(s, piles[s.id], contest) for s in contest.sections]
    shares = college_shares(contest, sections, continuing)
    places = contest.display.college_decimals
    unallocated = sum((s.fraction for s, r in zip(contest.sections, sections) if r.valid == 0), Fraction(0))
    figures = Round(
        number=number,
        continuing=continuing,
        sections=sections,
        college=Share.table(shares, places, contest.display.rounding.value),
        unallocated=Share.of(unallocated, places) if unallocated else None,
    )
    leader = max(continuing, key=shares.__getitem__)
    # Item 27: more than 50%, strictly; or every other candidate is gone.
    if shares[leader] > HALF or len(continuing) == 1:
        return figures.model_copy(update={"elected": leader}), None
    batch = _batch(sections[0].votes) if contest.batch_elimination else []
    if batch:
        return figures.model_copy(update={"eliminated": batch, "batch": True}), None
    bottom = min(shares.values())
    tied = [name for name in continuing if shares[name] == bottom]
    if len(tied) == 1:
        return figures.model_copy(update={"eliminated": tied}), None
    history = [{name: value.fraction for name, value in r.college.items()} for r in earlier]
    outcome = break_tie(tied, number, history, contest, decisions)
    if isinstance(outcome, Referred):
        return figures, outcome
    return figures.model_copy(update={"eliminated": [outcome.eliminated], "tie_break": outcome}), None


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

    piles = {s.id: {part: Piles.deal(profiles[part], contest) for part in parts_of(contest, s)} for s in contest.sections}
    rounds: list[Round] = []
    while True:
        this, referred = next_round(contest, piles, rounds, decisions)
        rounds.append(this)
        tie_breaks = [r.tie_break for r in rounds if r.tie_break]
        if referred:
            number = this.number
            needed = DecisionNeeded(
                round=number,
                tied=referred.tied,
                message=(
                    f"round {number}: {', '.join(referred.tied)} are tied for the lowest college share; "
                    "the tie policy refers it to the Procedures Committee, whose decision is needed"
                ),
            )
            return Result(
                status="decision-needed", winner=None, rounds=rounds, tie_breaks=tie_breaks, decision_needed=needed,
                **base,
            )
        if this.elected:
            return Result(
                status="elected", winner=this.elected, rounds=rounds, tie_breaks=tie_breaks, notes=_notes(this, contest), **base
            )
        continuing = [name for name in this.continuing if name not in this.eliminated]
        piles = {
            sid: {part: p.transfer(this.eliminated, continuing, contest) for part, p in parts.items()}
            for sid, parts in piles.items()
        }


def _notes(last: Round, contest: Contest) -> list[str]:
    """Elected as the only continuing candidate without a majority: the rest of the weight went to nobody."""
    value = last.college[last.elected].fraction
    if len(last.continuing) > 1 or value > HALF:
        return []
    return [
        f"{last.elected} was elected as the only continuing candidate in round {last.number}, "
        f"with {Share.of(value, contest.display.college_decimals).percent}% of the college: "
        "the rest of the college's weight lay with sections with no valid votes"
    ]
