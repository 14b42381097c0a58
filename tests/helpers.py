"""Small builders for hand-worked tests: contests and profiles from short strings, declarations from figures."""

from __future__ import annotations

from college.contest import Contest
from college.declaration import Declaration, build_declaration, parse_contest
from college.procedure import ProceduralRecord
from college.profile import Profile, ProfileFile, from_rows, profile_json
from college.tally import Tally


def contest(candidates="ABC", weights=("1/3", "1/3", "1/3"), **options) -> Contest:
    if "tie_policy" not in options:
        options["lot_seed"] = "fixed before the count"  # the default policy ends in lot
    ids = ["plp", "members", "affiliates"] if len(weights) == 3 else [f"s{i}" for i in range(len(weights))]
    return Contest.model_validate(
        {
            "id": "test",
            "position": "Leader",
            "candidates": list(candidates),
            "sections": [{"id": i, "name": i.upper(), "weight": w} for i, w in zip(ids, weights)],
            **options,
        }
    )


def profile(*pairs) -> Profile:
    """profile("A>B", 3, "C", 2): rankings as '>'-joined names with their counts; '-' is a skipped
    preference and 'A=B' an overvote."""
    rows = []
    for text, n in zip(pairs[::2], pairs[1::2]):
        marks = tuple(() if part == "-" else tuple(part.split("=")) for part in text.split(">")) if text else ()
        rows.append((marks, n))
    return from_rows(rows)


def return_document(contest: Contest, body, rows, *, spoilt: int, other_invalid: int, ineligible: int, made_at: str) -> dict:
    """A return from `body` that passes every rule, as the JSON dict that is signed: `rows`
    are (names in order, papers); `ineligible` is given only where a declaration is required."""
    valid = sum(count for _, count in rows)
    ineligible = ineligible if body.declaration_required else None
    return {
        "format": "college-return/1",
        "contest": contest.id,
        "affiliate": body.id,
        "section": body.section,
        "certified_members": body.certified_members,
        "papers_issued": body.certified_members,
        "papers_returned": valid + spoilt + other_invalid + (ineligible or 0),
        "ineligible": ineligible,
        "declaration_wording": wording.sha256 if (wording := contest.wording(body)) else None,
        "spoilt": spoilt,
        "other_invalid": other_invalid,
        "valid": valid,
        "explanation": None,
        "profile": [{"ranking": list(ranking), "count": count, "breakdown": None} for ranking, count in rows],
        "scrutineer": body.scrutineer,
        "made_at": made_at,
    }


def declare(
    *, contest_file: str, result, profiles, bodies=(), clp_first_preferences=None, groups=(), named_ballots=None,
    procedure=None, **declared,
) -> Declaration:
    """The declaration of a tally made of these figures, as the declaration flow makes one of the opened tally."""
    contest = parse_contest(contest_file)
    counted = Tally(
        contest_file=contest_file,
        result=result,
        profiles={part: ProfileFile.model_validate(profile_json(p, contest)) for part, p in profiles.items()},
        bodies=list(bodies),
        counted={},
        clp_first_preferences=clp_first_preferences or {},
        groups=list(groups),
        named_ballots=named_ballots or {},
    )
    record = ProceduralRecord.model_validate(procedure) if isinstance(procedure, dict) else procedure
    return build_declaration(counted, procedure=record, **declared)
