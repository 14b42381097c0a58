"""The declaration: what the Procedures Committee declared, and everything the reports may show.

Seed 003 items 21 and 28-32: the result is declared at the Electoral College meeting
with all sections' results; only then are breakdowns published and the NEC's report
made. The declaration flow writes this file once a quorum has opened the sealed result;
every report and the recount kit read only this file (college/embargo.py).

The file carries its own digest (SHA-256 of the RFC 8785 canonical JSON of everything
else) and the digest of the result it declares, so a report is never made from a file
that was edited after the declaration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from college import strict_json
from college.count.breakdowns import GroupRounds
from college.contest import Contest
from college.count.result import Result
from college.count.rules import count
from college.errors import CollegeError, from_validation_error
from college.model import Identifier, Model, Name, parse_toml
from college.procedure import ProceduralRecord
from college.profile import ProfileFile
from college.signing import canonical, digest
from college.tally import BodyFigures, Tally

FORMAT = "college-declaration/1"
# The opened tally's fields a declaration holds as they are.
CARRIED = ("contest_file", "result", "profiles", "bodies", "groups")


class KeyedFirstPreferences(Model):
    """First preferences of the papers carrying one key, such as a member's CLP."""

    section: str
    key: Name = Field(description="the CLP (or other key) the papers carry")
    papers: int = Field(ge=0, description="valid papers carrying this key")
    first_preferences: dict[str, int]


PreferenceEntry = str | list[str] | None


class NamedBallot(Model):
    """A named voter's full ballot, for a section whose ballots the contest publishes (the PLP/EPLP in 2010)."""

    section: str
    voter: Name
    ranking: list[PreferenceEntry] = Field(
        description="preferences in order: a name, null for a skipped preference, a list of names for an overvote"
    )


class Declaration(Model):
    format: Literal["college-declaration/1"] = FORMAT
    contest_id: Identifier
    position: Name
    declared_at: datetime
    dry_run: bool
    contest_file: str = Field(description="the contest file (TOML) exactly as counted")
    result: Result
    result_digest: str = Field(description="SHA-256 of the RFC 8785 canonical JSON of the result")
    sealed_result_digest: str = Field(description="SHA-256 of the sealed result, as the ledger holds it")
    ledger_head: str
    declared_by: list[Name] = Field(min_length=1, description="the committee members whose shares opened the result")
    profiles: dict[str, ProfileFile] = Field(
        description="each section's aggregated preference profile; each voter category's, in a section that has them"
    )
    bodies: list[BodyFigures] = Field(default_factory=list)
    clps: list[KeyedFirstPreferences] = Field(default_factory=list)
    groups: list[GroupRounds] = Field(
        default_factory=list, description="each affiliate's and CLP's papers followed through every round (item 29)"
    )
    published_sections: list[str] = Field(default_factory=list, description="sections whose named ballots are published")
    named_ballots: list[NamedBallot] = Field(default_factory=list)
    procedure: ProceduralRecord = ProceduralRecord()
    digest: str = Field(description="SHA-256 of the RFC 8785 canonical JSON of every other field")

    @model_validator(mode="after")
    def _consistent(self) -> Declaration:
        if self.result.contest != self.contest_id:
            raise ValueError(f"result: counts contest {self.result.contest!r}, not {self.contest_id!r}")
        if self.result.status == "decision-needed":
            raise ValueError("result: a count waiting for a committee decision cannot be declared")
        sections = {s.id for s in self.result.sections}
        parts = {part for s in self.result.sections for part in ([c.id for c in s.categories] or [s.id])}
        if set(self.profiles) != parts:
            raise ValueError(
                "profiles: must hold exactly one profile per section of the contest (per voter category, in one that has them)"
            )
        for name, ids in (
            ("published_sections", self.published_sections),
            ("named_ballots", [b.section for b in self.named_ballots]),
            ("bodies", [b.section for b in self.bodies]),
            ("clps", [c.section for c in self.clps]),
            ("groups", [g.section for g in self.groups]),
        ):
            unknown = next((i for i in ids if i not in sections), None)
            if unknown is not None:
                raise ValueError(f"{name}: {unknown!r} is not a section of the contest")
        unpublished = next((b.section for b in self.named_ballots if b.section not in self.published_sections), None)
        if unpublished is not None:
            raise ValueError(f"named_ballots: section {unpublished!r} is not marked as published")
        numbers = [r.number for r in self.result.rounds]
        for group in self.groups:
            if [r.round for r in group.rounds] != numbers:
                raise ValueError(f"groups: {group.key!r} must give every round of the result, {numbers}")
        return self

    @property
    def contest(self) -> Contest:
        return parse_contest(self.contest_file)


def parse_contest(text: str, file: str = "contest_file") -> Contest:
    return parse_toml(Contest, text, file)


def result_digest(result: Result) -> str:
    return digest(canonical(result.model_dump(mode="json")))


def declaration_digest(declaration: Declaration | dict) -> str:
    data = declaration.model_dump(mode="json") if isinstance(declaration, Declaration) else dict(declaration)
    data.pop("digest", None)
    return digest(canonical(data))


def build_declaration(
    tally: Tally,
    *,
    declared_at: datetime,
    declared_by: Sequence[str],
    sealed_result_digest: str,
    ledger_head: str,
    dry_run: bool = False,
    procedure: ProceduralRecord | None = None,
    clp_section: str = "members",
) -> Declaration:
    """The declaration of an opened tally: its fields carried over whole, with who declared it and when.

    The tally's profiles must reproduce its result exactly (counted again here, with the
    committee's tie decisions), so the recount kit made from it always verifies. Its CLP
    first preferences are those of `clp_section`; its `groups` are the affiliates' and
    CLPs' papers round by round (college/count/breakdowns.py).
    """
    contest = parse_contest(tally.contest_file)
    if tally.result.status == "decision-needed":
        raise CollegeError("a count waiting for a committee decision cannot be declared", field="result")
    if count(contest, tally.section_profiles(), tally.tie_decisions) != tally.result:
        raise CollegeError("the sections' profiles do not reproduce the result to be declared", field="profiles")
    record = (procedure or ProceduralRecord()).model_copy(update={"tie_decisions": list(tally.tie_decisions)})
    fields = dict(
        contest_id=contest.id,
        position=contest.position,
        declared_at=declared_at,
        dry_run=dry_run,
        result_digest=result_digest(tally.result),
        sealed_result_digest=sealed_result_digest,
        ledger_head=ledger_head,
        declared_by=list(declared_by),
        clps=[
            KeyedFirstPreferences(section=clp_section, key=key, papers=sum(firsts.values()), first_preferences=firsts)
            for key, firsts in tally.clp_first_preferences.items()
        ],
        published_sections=list(tally.named_ballots),
        named_ballots=[
            NamedBallot(section=section, voter=voter, ranking=ranking)
            for section, voters in tally.named_ballots.items()
            for voter, ranking in voters.items()
        ],
        procedure=record,
    )
    carried = {name: value for name, value in tally if name in CARRIED}
    try:
        unsigned = Declaration.model_validate({**carried, **fields, "digest": "0" * 64})
    except ValidationError as error:
        raise from_validation_error(error, file="declaration") from None
    return unsigned.model_copy(update={"digest": declaration_digest(unsigned)})


def check_declaration(declaration: Declaration, file: str = "declaration") -> Declaration:
    """The declaration's own digest and its result's digest must both hold."""
    if declaration.result_digest != result_digest(declaration.result):
        raise CollegeError("the result does not match the declared result digest", file=file, field="result_digest")
    if declaration.digest != declaration_digest(declaration):
        raise CollegeError("the file was changed after the declaration: its digest does not match", file=file, field="digest")
    return declaration


def write_declaration(declaration: Declaration, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(declaration.model_dump(mode="json"), indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_declaration(path: str | Path) -> Declaration:
    """Read and check a declaration; any problem is a CollegeError naming the file and field."""
    path = Path(path)
    if not path.is_file():
        raise CollegeError("file not found", file=str(path))
    declaration = strict_json.parse(Declaration, path.read_bytes(), file=str(path))
    return check_declaration(declaration, str(path))


def elected_line(result) -> str:
    """Who is elected, in one line: what `college declare` and `make run` print once it is declared."""
    if result.winner is None:
        return "no one is elected"
    return f"elected: {result.winner}" + (" (unopposed)" if result.status == "unopposed" else "")
