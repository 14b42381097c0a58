"""A round-by-round summary in the shape RCTab writes (its `summary.json`), which RCVis draws.

    {"config": {"contest", "date", "jurisdiction", "office", "generatedBy"},
     "jsonFormatVersion": "1",
     "results": [{"round": 1, "tally": {"A": "120", ...}, "inactiveBallots": {"exhaustedChoices": "0", ...},
                  "tallyResults": [{"eliminated": "C", "transfers": {"A": "12", "exhausted": "3"}}],
                  "threshold": "..."}, ...],
     "summary": {"finalThreshold", "numCandidates", "numWinners", "totalNumBallots", "undervotes"}}

As RCTab does, figures are decimal strings, a round's `tallyResults` say who was eliminated
(or elected) and where their papers went in the next round, and a candidate leaves `tally`
once eliminated. A section's summary is in papers, with the college's eliminations; the
college's summary is in percent of the college (4 decimal places, half up), its threshold 50:
there a "transfer" is the share each continuing candidate gained, and "exhausted" the rest.
"""

from __future__ import annotations

import json
from fractions import Fraction

from college.declaration import Declaration
from college.count.result import Round
from college.count.shares import percent

GENERATED_BY = "college"
PERCENT_PLACES = 4


def _config(declaration: Declaration, scope: str) -> dict:
    mark = "DRY RUN: " if declaration.dry_run else ""
    return {
        "contest": f"{mark}{declaration.contest_id}: {scope}",
        "date": declaration.declared_at.date().isoformat(),
        "jurisdiction": "Labour Party",
        "office": declaration.position,
        "generatedBy": GENERATED_BY,
    }


def _outcome(round_: Round, next_tally: dict[str, str] | None, tally: dict[str, str], exhausted: str | None) -> list[dict]:
    if round_.elected:
        return [{"elected": round_.elected, "transfers": {}}]
    if next_tally is None:
        return [{"eliminated": name, "transfers": {}} for name in round_.eliminated]
    transfers = {name: _minus(next_tally[name], tally[name]) for name in next_tally}
    transfers = {name: value for name, value in transfers.items() if Fraction(value) != 0}
    if exhausted is not None and Fraction(exhausted) != 0:
        transfers["exhausted"] = exhausted
    # A batch's papers move together: RCTab names each eliminated; the transfers go with the first.
    return [{"eliminated": name, "transfers": transfers if i == 0 else {}} for i, name in enumerate(round_.eliminated)]


def _minus(a: str, b: str) -> str:
    difference = Fraction(a) - Fraction(b)
    return _decimal(difference) if "." in a or "." in b else str(difference)


def _decimal(value: Fraction) -> str:
    """A difference of figures shown to PERCENT_PLACES, written at those places (it is exact there)."""
    return percent(value / 100, PERCENT_PLACES)


def _document(declaration: Declaration, scope: str, tallies: list[dict[str, str]], exhausted: list[str],
              thresholds: list[str], inactive: list[str], ballots: str) -> dict:
    rounds = declaration.result.rounds
    results = []
    for i, round_ in enumerate(rounds):
        later = tallies[i + 1] if i + 1 < len(rounds) else None
        moved = exhausted[i + 1] if i + 1 < len(rounds) else None
        results.append({
            "round": round_.number,
            "tally": tallies[i],
            "inactiveBallots": {"exhaustedChoices": inactive[i]},
            "tallyResults": _outcome(round_, later, tallies[i], moved),
            "threshold": thresholds[i],
        })
    return {
        "config": _config(declaration, scope),
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": thresholds[-1],
            "numCandidates": len(declaration.result.candidates),
            "numWinners": 1,
            "totalNumBallots": ballots,
            "undervotes": 0,
        },
    }


def college_summary(declaration: Declaration) -> dict:
    rounds = declaration.result.rounds
    tallies = [{n: percent(s.fraction, PERCENT_PLACES) for n, s in r.college.items()} for r in rounds]
    # "exhausted": the rest of what the eliminated held, once the continuing candidates' gains are
    # taken (exactly the share that went to nobody, up to the rounding of the figures shown).
    exhausted = ["0"] + [
        _decimal(
            sum((Fraction(before_tally[n]) for n in before.eliminated), Fraction(0))
            - sum((Fraction(after_tally[n]) - Fraction(before_tally[n]) for n in after_tally), Fraction(0))
        )
        for before, before_tally, after_tally in zip(rounds, tallies, tallies[1:])
    ]
    inactive = [percent(r.unallocated.fraction if r.unallocated else Fraction(0), PERCENT_PLACES) for r in rounds]
    return _document(declaration, "the Electoral College (% of the college)", tallies, exhausted,
                     ["50"] * len(rounds), inactive, "100")


def section_summary(declaration: Declaration, section_id: str) -> dict:
    rounds = declaration.result.rounds
    sections = [next(s for s in r.sections if s.id == section_id) for r in rounds]
    tallies = [{n: str(s.votes[n]) for n in r.continuing} for r, s in zip(rounds, sections)]
    exhausted = ["0"] + [str(after.non_transferable - before.non_transferable) for before, after in zip(sections, sections[1:])]
    thresholds = [str(Fraction(s.valid, 2)) if s.valid % 2 == 0 else f"{s.valid / 2:.1f}" for s in sections]
    papers = next(s for s in declaration.result.sections if s.id == section_id).papers
    return _document(declaration, f"{sections[0].name} (papers)", tallies, exhausted, thresholds,
                     [str(s.non_transferable) for s in sections], str(papers))


def summary_text(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
