"""The tally: the counting returns of every section aggregated and counted, ready to be sealed.

Seed 003 items 11-20 and DESIGN.md: a section's preferences are summed one person one
vote across all its returns (not weighted per body), then counted (college/count/rules.py).
What the count flow seals to the declaration key is this whole tally: the result and
everything the reports will need after the declaration (the sections' profiles, each
body's figures, the CLPs' first preferences, the named ballots of published sections),
so nothing of it exists unsealed before the declaration.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from pydantic import Field

from college import strict_json
from college.count.breakdowns import GroupRounds, Reader, group_rounds
from college.contest import BodyKind, Contest
from college.count.rules import count, parts_of
from college.errors import CollegeError
from college.model import Model, Name
from college.profile import Profile, ProfileFile, profile_from_file, profile_json
from college.count.result import Result, TieDecision
from college.returns import Return, section_profile

FORMAT = "college-tally/1"


class BodyFigures(Model):
    """One returning body's return as counted (seed 003 items 11-20): the affiliate breakdown."""

    id: str
    name: Name
    kind: str = Field(description="trade_union, socialist_society, or another kind of returning body")
    section: str
    certified: int = Field(ge=0, description="certified full-member count")
    issued: int = Field(ge=0)
    returned: int = Field(ge=0)
    ineligible: int = Field(ge=0, description="returned without the declaration of support")
    spoilt: int = Field(ge=0)
    other_invalid: int = Field(ge=0)
    valid: int = Field(ge=0)
    first_preferences: dict[str, int]


class Tally(Model):
    format: str = FORMAT
    contest_file: str = Field(description="the contest file's text as counted")
    result: Result
    profiles: dict[str, ProfileFile]
    bodies: list[BodyFigures]
    counted: dict[str, str] = Field(description="body id -> SHA-256 of the submission counted for it")
    clp_first_preferences: dict[str, dict[str, int]] = Field(default_factory=dict)
    groups: list[GroupRounds] = Field(default_factory=list, description="affiliates and CLPs, round by round")
    named_ballots: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    tie_decisions: list[TieDecision] = Field(default_factory=list)

    def section_profiles(self) -> dict[str, Profile]:
        return {sid: profile_from_file(file) for sid, file in self.profiles.items()}


def first_preferences(ret: Return) -> dict[str, int]:
    firsts: Counter = Counter()
    for row in ret.profile:
        firsts[row.ranking[0]] += row.count
    return dict(firsts)


def body_figures(ret: Return, contest: Contest) -> BodyFigures:
    body = contest.body(ret.affiliate)
    return BodyFigures(
        id=ret.affiliate,
        name=body.name if body else ret.affiliate,
        kind=body.kind.value if body else "unknown",
        section=ret.section,
        certified=ret.certified_members,
        issued=ret.papers_issued,
        returned=ret.papers_returned,
        ineligible=ret.ineligible or 0,
        spoilt=ret.spoilt,
        other_invalid=ret.other_invalid,
        valid=ret.valid,
        first_preferences=first_preferences(ret),
    )


def tally(
    contest: Contest,
    contest_file: str,
    returns: Mapping[str, Return],
    decisions: Sequence[TieDecision] = (),
) -> Tally:
    """Aggregate the counting returns (body id -> digest of its submission, and the return) and count.

    `returns` maps each counted submission's digest to its opened return. A section
    with no return at all counts with no papers: its weight goes to nobody (count rule).
    """
    by_part: dict[str, list[Return]] = defaultdict(list)  # a section, or a voter category of one
    for ret in returns.values():
        contest.section(ret.section)
        by_part[ret.category or ret.section].append(ret)
    parts = [part for s in contest.sections for part in parts_of(contest, s)]
    profiles = {part: section_profile(by_part.get(part, [])) for part in parts}
    result = count(contest, profiles, decisions)

    clps: dict[str, Counter] = defaultdict(Counter)
    clp_rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    named: dict[str, dict[str, list[str]]] = defaultdict(dict)
    published = {s.id for s in contest.sections if s.published}
    reader = Reader(result, contest)
    groups = []
    for ret in sorted(returns.values(), key=lambda r: (r.section, r.affiliate)):
        by_clp = _balloted_by_clp(contest, ret)
        if not by_clp:
            body = contest.body(ret.affiliate)
            rows = ((tuple((n,) for n in row.ranking), row.count) for row in ret.profile)
            groups.append(group_rounds(reader, "affiliate", ret.affiliate, body.name if body else ret.affiliate,
                                       ret.section, rows))
        for row in ret.profile:
            if row.breakdown is None:
                continue
            if ret.section in published:
                named[ret.section][row.breakdown] = list(row.ranking)
            elif by_clp:
                clps[row.breakdown][row.ranking[0]] += row.count
                clp_rows[(ret.section, row.breakdown)][tuple((n,) for n in row.ranking)] += row.count
    groups += [group_rounds(reader, "clp", clp, clp, section, rows) for (section, clp), rows in sorted(clp_rows.items())]
    counted = {}
    for submission, ret in sorted(returns.items(), key=lambda item: item[1].affiliate):
        if ret.affiliate in counted:
            raise CollegeError(f"two returns counted for {ret.affiliate}", field="returns")
        counted[ret.affiliate] = submission
    return Tally(
        contest_file=contest_file,
        result=result,
        profiles={sid: ProfileFile.model_validate(profile_json(p, contest)) for sid, p in profiles.items()},
        bodies=sorted((body_figures(ret, contest) for ret in returns.values()), key=lambda b: (b.section, b.id)),
        counted=counted,
        clp_first_preferences={clp: dict(firsts) for clp, firsts in sorted(clps.items())},
        groups=groups,
        named_ballots={section: dict(sorted(voters.items())) for section, voters in named.items()},
        tie_decisions=list(decisions),
    )


def _balloted_by_clp(contest: Contest, ret: Return) -> bool:
    """The party's members' ballot carries each paper's CLP as its breakdown key."""
    body = contest.body(ret.affiliate)
    return body is not None and body.kind is BodyKind.party_ballot


def tally_bytes(value: Tally) -> bytes:
    return json.dumps(value.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_tally(data: bytes) -> Tally:
    return strict_json.parse(Tally, data, file="tally")
