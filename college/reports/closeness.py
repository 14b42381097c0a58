"""How close the declared count was, and what the papers it did not count could have done:
read from a Declaration only, so it exists only after the declaration (college/embargo.py).

The papers not counted, each at its certified size (seed 003 items 13-20: every certified
full member gets a paper):
- a registered body with no counting return (none, rejected, late and not admitted, flagged
  and not admitted): its certified full-member count, added to its section;
- papers a counted body ruled ineligible (returned without the declaration of support);
- a counted body that issued fewer papers than it certified: the papers not issued, added;
  one that issued more: the papers beyond its certified count (at most its valid papers),
  taken away from its own papers.
The arithmetic and the verdicts are college/margins.py's.
"""

from __future__ import annotations

from pydantic import Field

from college.declaration import Declaration
from college.count.margins import Margin, Recounts, RoundBound, Sensitivity, Uncounted, combined, margins, sensitivity
from college.model import Model
from college.profile import profile_from_file

REASONS = {  # what became of a missing body's returns, most telling first
    "flagged": "its return was flagged and not admitted",
    "late": "its return came after the deadline and was not admitted",
    "rejected": "its return was rejected",
}


class Closeness(Model):
    margins: list[Margin]
    sensitivity: list[Sensitivity]
    together: list[RoundBound] = Field(description="every added item at once, round by round")
    together_winner: str | None = Field(default=None, description="every added item at once: could the winner have changed")
    unknown: list[str] = Field(default_factory=list, description="papers not counted whose size is not known")


def uncounted(declaration: Declaration) -> tuple[list[Uncounted], list[str]]:
    contest = declaration.contest
    register = {b.id: b for b in contest.register}
    outcomes: dict[str, set[str]] = {}
    for entry in declaration.procedure.returns:
        outcomes.setdefault(entry.body, set()).add(entry.outcome)
    items, unknown = [], []
    for missing in declaration.procedure.missing:
        body = register.get(missing.body)
        seen = outcomes.get(missing.body, set())
        why = next((text for outcome, text in REASONS.items() if outcome in seen), "it made no return")
        if body is None:
            unknown.append(f"{missing.body_name}: {why}; it has no certified count in the contest's register, so no bound")
            continue
        items.append(Uncounted(subject=body.name, reason=f"not counted: {why}", section=body.section,
                               papers=body.certified_members))
    groups = {(g.kind, g.key): g for g in declaration.groups}
    for body in declaration.bodies:
        if body.ineligible:
            items.append(Uncounted(subject=f"{body.name}: papers ruled ineligible", section=body.section,
                                   reason="returned without the declaration of support", papers=body.ineligible))
        if body.issued < body.certified:
            items.append(Uncounted(subject=f"{body.name}: papers not issued", section=body.section,
                                   reason=f"issued {body.issued:,} papers, certified {body.certified:,}",
                                   papers=body.certified - body.issued))
        elif body.issued > body.certified:
            group = groups.get(("affiliate", body.id))
            items.append(Uncounted(
                subject=f"{body.name}: papers beyond its certified count", section=body.section,
                reason=f"issued {body.issued:,} papers, certified {body.certified:,}",
                papers=min(body.issued - body.certified, body.valid), effect="removed",
                body_rounds=[r.votes for r in group.rounds] if group else None,
            ))
    return items, unknown


def closeness(declaration: Declaration) -> Closeness:
    result = declaration.result
    items, unknown = uncounted(declaration)
    profiles = {sid: profile_from_file(p) for sid, p in declaration.profiles.items()}
    papers = Recounts(declaration.contest, profiles, declaration.procedure.tie_decisions)
    added = [item for item in items if item.effect == "added"]
    together, winner = [], None
    if len(added) > 1:
        together = combined(result, added)
        sizes: dict[str, int] = {}
        for item in added:
            sizes[item.section] = sizes.get(item.section, 0) + item.papers
        if not any(b.could for b in together) or papers.winners(sizes) == {result.winner}:
            winner = "could not"
        else:
            winner = "not ruled out"
    return Closeness(
        margins=margins(result),
        sensitivity=[sensitivity(result, item, papers) for item in items],
        together=together,
        together_winner=winner,
        unknown=unknown,
    )
