"""Nominations: who goes on the ballot (seed 003 items 5-10).

The rules, as this module applies them:

- [6] A nominee is validly nominated with nominations from at least 12.5 per cent of
  the Commons members of the PLP when there is a vacancy, 20 per cent for a challenge
  (rule 4B.2B), rounded up: 45 of 353, 33 of 257. Members of the EPLP or anyone else on
  the roll do not count towards the threshold and cannot nominate. Nominees must be
  Commons members of the PLP.
- Each MP nominates at most one candidate per position. Nominations are taken in the
  order they were made (then in file order): a second nomination while the first
  stands is rejected and the first stands. A withdrawn nomination is recorded; it no
  longer counts, and frees the MP to nominate again (2010: John McDonnell's nominators
  moved to Diane Abbott when he withdrew).
- A nominee accepts or declines in writing; the latest decision stands. Only nominees
  who reach the threshold and have accepted go on the ballot.
- [8-10] Supporting nominations from CLPs and affiliates are recorded and published.
  Each body makes at most one per position. A socialist society's needs its certified
  count of full members to be balloted and the Responsible Officer's signature. Those
  certified counts feed the affiliates register of the returns (`certified_counts`).
- Outcome per position: two or more candidates, a ballot; one, elected unopposed with
  no ballot; none, said so. In a challenge the incumbent, when named, is on the ballot
  without nominations (the NEC's decision of 2016) unless they decline, and with no
  valid challenger stays in post. The contest file's candidate list is generated from it.

Every check returns its reason as data; a file that cannot be read is a CollegeError
naming the file, the row and the field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Generic, TypeVar

import tomlkit
from pydantic import AwareDatetime, Field, ValidationError, field_validator, model_validator

from college import strict_json
from college.contest import Contest
from college.errors import CollegeError, from_validation_error, pydantic_problems
from college.model import Identifier, Model, Name, parse_toml
from college.timetable import Calendar, CalendarFile

FORMAT_VERSION = "college-nominations/1"

Percent = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,6})?$", description='a decimal percentage such as "12.5"')]

# ---------------------------------------------------------------------------
# Files the Procedures Committee keeps (each CSV or JSON: a list of rows)
# ---------------------------------------------------------------------------


class House(str, Enum):
    commons = "commons"  # only these count towards the threshold [6]
    european = "european"
    lords = "lords"
    other = "other"


class RollMember(Model):
    """One member of the PLP roll."""

    id: Identifier
    name: Name
    house: House


class Nomination(Model):
    """One MP's nomination [5-7]: `mp` and `nominee` are a roll id or name."""

    mp: Name
    nominee: Name
    position: Identifier
    when: AwareDatetime
    withdrawn: AwareDatetime | None = Field(default=None, description="when the MP withdrew it, if they did")

    @model_validator(mode="after")
    def _withdrawn_after_made(self) -> Nomination:
        if self.withdrawn is not None and self.withdrawn < self.when:
            raise ValueError("withdrawn: earlier than the nomination was made")
        return self


class Decision(str, Enum):
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"  # accepted, then withdrew before the ballot


class NomineeDecision(Model):
    """A nominee's written acceptance, refusal or withdrawal."""

    nominee: Name
    position: Identifier
    decision: Decision
    when: AwareDatetime


class BodyKind(str, Enum):
    clp = "clp"
    trade_union = "trade_union"
    socialist_society = "socialist_society"
    other_affiliate = "other_affiliate"


class SupportingNomination(Model):
    """A supporting nomination from a CLP or an affiliate [8-10]."""

    body: Identifier = Field(description="the body's id (for an affiliate, its id in the affiliates register)")
    name: Name
    kind: BodyKind
    position: Identifier
    nominee: Name
    when: AwareDatetime
    certified_members: int | None = Field(
        default=None,
        ge=1,
        description="certified count of full members to be balloted (required of a socialist society)",
    )
    signed_by: Name | None = Field(default=None, description="the Responsible Officer who signed the form")


class Basis(str, Enum):
    vacancy = "vacancy"
    challenge = "challenge"


class Position(Model):
    id: Identifier
    name: Name = Field(description='as it will appear in the contest file, e.g. "Leader"')
    contest: Identifier = Field(description="id of the contest file for this position's count")
    basis: Basis = Basis.vacancy
    incumbent: Name | None = Field(
        default=None,
        description="for a challenge: the holder of the post (roll id or name), on the ballot without "
        "nominations unless they decline (the NEC's reading of rule 4B.2B(ii) in 2016)",
    )

    @model_validator(mode="after")
    def _incumbent_only_when_challenged(self) -> Position:
        if self.incumbent is not None and self.basis is not Basis.challenge:
            raise ValueError('incumbent: only for a challenge (basis = "challenge"); a vacancy has none')
        return self


class NominationsConfig(Model):
    """The nominations file (TOML) the Procedures Committee keeps beside the contest file.

    Paths are relative to this file. Several nominations files are read in the order
    given, so a later batch follows an earlier one when times are equal.
    """

    positions: list[Position] = Field(min_length=1)
    vacancy_percent: Percent = "12.5"
    challenge_percent: Percent = "20"
    roll: str = Field(min_length=1, description="the PLP roll (CSV or JSON)")
    nominations: list[str] = Field(default_factory=list, description="MPs' nominations (CSV or JSON)")
    decisions: list[str] = Field(default_factory=list, description="nominees' acceptances and refusals")
    supporting: list[str] = Field(default_factory=list, description="supporting nominations from CLPs and affiliates")
    calendar: str | None = Field(
        default=None,
        description="the contest file whose [calendar] sets when MPs' and supporting nominations close [5, 8]",
    )

    @field_validator("vacancy_percent", "challenge_percent")
    @classmethod
    def _a_percentage(cls, value: str) -> str:
        if not 0 < Fraction(value) <= 100:
            raise ValueError("must be more than 0 and at most 100")
        return value

    @model_validator(mode="after")
    def _unique(self) -> NominationsConfig:
        for field in ("id", "contest"):
            values = [getattr(p, field) for p in self.positions]
            for value in values:
                if values.count(value) > 1:
                    raise ValueError(f"positions.{field}: {value!r} appears more than once")
        return self

    def percent(self, basis: Basis) -> str:
        return self.vacancy_percent if basis is Basis.vacancy else self.challenge_percent


# File stem -> the row model each nomination file holds, for the JSON Schemas.
ROW_MODELS = {
    "plp-roll": RollMember,
    "plp-nominations": Nomination,
    "nominee-decisions": NomineeDecision,
    "supporting-nominations": SupportingNomination,
}

# ---------------------------------------------------------------------------
# What the rules make of them: the published outcome
# ---------------------------------------------------------------------------


class Status(str, Enum):
    valid = "valid"
    withdrawn = "withdrawn"
    rejected = "rejected"


class Threshold(Model):
    basis: Basis
    percent: Percent
    commons_members: int
    exact: str = Field(description="percent of the Commons members, exactly")
    required: int = Field(description="nominations needed: the exact figure rounded up")
    arithmetic: str


class NominationRecord(Model):
    mp: str = Field(description="the MP's name on the roll, or as written when not on it")
    mp_id: str | None
    nominee: str
    when: datetime
    withdrawn: datetime | None
    status: Status
    reason: str | None
    source: str


class SupportingRecord(Model):
    body: str
    name: str
    kind: BodyKind
    nominee: str
    when: datetime
    certified_members: int | None
    signed_by: str | None
    status: Status
    reason: str | None
    source: str


class DecisionRecord(Model):
    nominee: str
    decision: Decision
    when: datetime
    source: str


class NomineeStanding(str, Enum):
    validly_nominated = "validly-nominated"
    awaiting_acceptance = "awaiting-acceptance"
    incumbent = "incumbent"
    short = "short"
    declined = "declined"
    withdrawn = "withdrawn"


class NomineeOutcome(Model):
    nominee: str
    nominations: int = Field(description="valid MP nominations")
    nominators: list[str] = Field(description="the nominating MPs' names, in the order they nominated [7]")
    decision: Decision | None
    standing: NomineeStanding
    reason: str
    supporting: int = Field(description="valid supporting nominations")


class Conclusion(str, Enum):
    ballot = "ballot"
    unopposed = "unopposed"
    none = "none"
    no_challenge = "no-challenge"  # a challenge with no valid challenger: the incumbent stays


class PositionOutcome(Model):
    id: str
    name: str
    contest: str
    threshold: Threshold
    nominees: list[NomineeOutcome]
    candidates: list[str] = Field(description="validly nominated and accepted, in ballot-paper order (by surname)")
    conclusion: Conclusion
    statement: str
    awaiting: list[str] = Field(description="nominees over the threshold who have not yet accepted or declined")
    plp_nominations: list[NominationRecord]
    supporting: list[SupportingRecord]
    decisions: list[DecisionRecord]


class SourceFile(Model):
    path: str
    sha256: str


class NominationsOutcome(Model):
    format_version: str = FORMAT_VERSION
    as_of: datetime | None = Field(description="the latest time recorded in the files")
    closes: datetime | None
    positions: list[PositionOutcome]
    sources: list[SourceFile]
    digest: str = Field(description="sha256 over every source file: changes when any of them does")

    def position(self, position_id: str) -> PositionOutcome:
        for position in self.positions:
            if position.id == position_id:
                return position
        known = ", ".join(p.id for p in self.positions)
        raise CollegeError(f"no position {position_id!r} (positions: {known})", field="--position")


# ---------------------------------------------------------------------------
# Reading the files
# ---------------------------------------------------------------------------

RowModel = TypeVar("RowModel", bound=Model)


@dataclass(frozen=True)
class Row(Generic[RowModel]):
    source: str  # "file line N" or "file item N": where a published rejection points to
    location: str  # the same with the file's full path, for error messages
    order: int  # position across all files of its kind: breaks ties of time
    data: RowModel


@dataclass(frozen=True)
class Inputs:
    config: NominationsConfig
    roll: list[Row[RollMember]]
    nominations: list[Row[Nomination]]
    decisions: list[Row[NomineeDecision]]
    supporting: list[Row[SupportingNomination]]
    sources: list[SourceFile]
    calendar: Calendar | None = None

    @property
    def closes(self) -> datetime | None:
        return self.calendar.nominations_close if self.calendar else None

    @property
    def supporting_closes(self) -> datetime | None:
        return self.calendar.supporting_close if self.calendar else None


def load(path: str | Path) -> Inputs:
    """Read the nominations file and every file it names; any unreadable file is a CollegeError."""
    path = Path(path)
    raw = _read_bytes(path)
    config = _parse_config(raw, path)
    base = path.parent
    sources = [_source(path, raw)]

    def rows(names: list[str], model: type[RowModel]) -> list[Row[RowModel]]:
        found: list[Row[RowModel]] = []
        for name in names:
            file = base / name
            data = _read_bytes(file)
            sources.append(_source(file, data))
            for where, item in read_rows(data, file, model):
                found.append(Row(f"{file.name} {where}", f"{file} {where}", len(found), item))
        return found

    inputs = Inputs(
        config=config,
        roll=rows([config.roll], RollMember),
        nominations=rows(config.nominations, Nomination),
        decisions=rows(config.decisions, NomineeDecision),
        supporting=rows(config.supporting, SupportingNomination),
        sources=sources,
        calendar=_calendar(base / config.calendar, sources) if config.calendar else None,
    )
    _check_roll(inputs.roll, base / config.roll)
    known = {p.id for p in config.positions}
    for kind, names, found in (
        ("nominations", config.nominations, inputs.nominations),
        ("decisions", config.decisions, inputs.decisions),
        ("supporting", config.supporting, inputs.supporting),
    ):
        for row in found:
            if row.data.position not in known:
                raise CollegeError(
                    f"unknown position {row.data.position!r} (positions: {', '.join(sorted(known))})",
                    file=row.location,
                    field="position",
                )
    return inputs


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    except OSError as error:
        raise CollegeError(f"cannot read the file ({error.strerror})", file=str(path)) from None


def _calendar(path: Path, sources: list[SourceFile]) -> Calendar:
    """The [calendar] table of a contest file, which sets when nominations close [5, 8]."""
    data = _read_bytes(path)
    sources.append(_source(path, data))
    return parse_toml(CalendarFile, data, str(path)).calendar


def _source(path: Path, data: bytes) -> SourceFile:
    return SourceFile(path=path.name, sha256=hashlib.sha256(data).hexdigest())


def _parse_config(raw: bytes, path: Path) -> NominationsConfig:
    return parse_toml(NominationsConfig, raw, str(path))


def read_rows(data: bytes, path: Path, model: type[RowModel]) -> list[tuple[str, RowModel]]:
    """The rows of a CSV or JSON file (by its suffix), each validated, with where in the file ("line 2")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CollegeError("not UTF-8 text", file=str(path)) from None
    if not text.strip():
        what = "a header row" if path.suffix.lower() == ".csv" else "a JSON list"
        raise CollegeError(f"the file is empty: expected {what}", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        items = _csv_items(text, path, model)
    elif suffix == ".json":
        items = _json_items(text, path)
    else:
        raise CollegeError("unknown file type: expected .csv or .json", file=str(path))
    rows = []
    for where, item in items:
        try:
            if suffix == ".json":  # JSON has types: a number where a time or a name belongs is an error
                rows.append((where, model.model_validate_json(json.dumps(item), strict=True)))
            else:
                rows.append((where, model.model_validate(item)))
        except ValidationError as error:
            field, message = pydantic_problems(error)[0]
            raise CollegeError(message, file=f"{path} {where}", field=field) from None
    return rows


def _json_items(text: str, path: Path) -> list[tuple[str, object]]:
    try:
        items = strict_json.loads(text, file=str(path))
    except json.JSONDecodeError as error:
        where = f"{error.msg} at line {error.lineno} column {error.colno}"
        raise CollegeError(f"not valid JSON ({where})", file=str(path)) from None
    if not isinstance(items, list):
        raise CollegeError("expected a JSON list of rows", file=str(path), field="(top level)")
    return [(f"item {n}", item) for n, item in enumerate(items, start=1)]


def _csv_items(text: str, path: Path, model: type[Model]) -> list[tuple[str, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    allowed = list(model.model_fields)
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    try:
        header = [cell.strip() for cell in next(reader)]
        for column in header:
            if column not in allowed:
                raise CollegeError(
                    f"unknown column {column!r} (columns: {', '.join(allowed)})", file=str(path), field="header"
                )
            if header.count(column) > 1:
                raise CollegeError(f"column {column!r} appears more than once", file=str(path), field="header")
        for column in required:
            if column not in header:
                raise CollegeError(f"missing column {column!r}", file=str(path), field="header")
        items = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(header):
                raise CollegeError(
                    f"{len(cells)} cells where the header has {len(header)}",
                    file=f"{path} line {reader.line_num}",
                )
            item = {column: cell.strip() for column, cell in zip(header, cells) if cell.strip()}
            items.append((f"line {reader.line_num}", item))
    except csv.Error as error:
        raise CollegeError(f"malformed CSV at line {reader.line_num} ({error})", file=str(path)) from None
    return items


def _check_roll(roll: list[Row[RollMember]], path: Path) -> None:
    seen: set[str] = set()
    for row in roll:
        if row.data.id in seen:
            raise CollegeError(f"id {row.data.id!r} appears more than once", file=row.location, field="id")
        seen.add(row.data.id)
    if not any(row.data.house is House.commons for row in roll):
        raise CollegeError("no Commons members: the threshold is a share of them", file=str(path), field="house")


# ---------------------------------------------------------------------------
# The threshold [6]
# ---------------------------------------------------------------------------


def threshold(percent: str, commons_members: int, basis: Basis = Basis.vacancy) -> Threshold:
    """Nominations needed: `percent` of the Commons members, exactly, rounded up."""
    exact = Fraction(percent) / 100 * commons_members
    required = math.ceil(exact)
    shown = decimal_text(exact)
    rounding = f"a whole number: {required}" if exact == required else f"rounded up: {required}"
    return Threshold(
        basis=basis,
        percent=percent,
        commons_members=commons_members,
        exact=shown,
        required=required,
        arithmetic=f"{percent}% of {commons_members} = {shown}, {rounding}",
    )


def decimal_text(value: Fraction) -> str:
    """An exact decimal for a fraction whose denominator has only the factors 2 and 5."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 40:
            return f"{value.numerator}/{value.denominator}"
    if places == 0:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    digits = str(abs(value.numerator * 10**places // value.denominator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------


class _Roll:
    """Looks members up by id, or by name ignoring case and spacing."""

    def __init__(self, rows: list[Row[RollMember]]):
        self.by_id = {row.data.id: row.data for row in rows}
        self.by_name: dict[str, list[RollMember]] = {}
        for row in rows:
            self.by_name.setdefault(_key(row.data.name), []).append(row.data)
        self.commons = sum(1 for row in rows if row.data.house is House.commons)

    def find(self, text: str) -> tuple[RollMember | None, str | None]:
        if text in self.by_id:
            return self.by_id[text], None
        found = self.by_name.get(_key(text), [])
        if len(found) > 1:
            return None, f"{text!r} is the name of {len(found)} members of the roll: give the id"
        if not found:
            return None, f"{text!r} is not on the PLP roll"
        return found[0], None

    def nominee(self, text: str) -> tuple[str | None, str | None]:
        """The nominee's name as on the roll, or why they cannot be nominated."""
        member, problem = self.find(text)
        if member is None:
            return None, f"nominee {problem}"
        if member.house is not House.commons:
            return None, f"nominee {member.name!r} is not a Commons member of the PLP"
        return member.name, None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _stamp(when: datetime) -> str:
    return when.isoformat()


def outcome(inputs: Inputs) -> NominationsOutcome:
    """Apply the rules to everything recorded so far."""
    config = inputs.config
    roll = _Roll(inputs.roll)
    positions = [_position_outcome(position, inputs, roll) for position in config.positions]
    times = [r.data.when for r in inputs.nominations + inputs.decisions + inputs.supporting]
    times += [r.data.withdrawn for r in inputs.nominations if r.data.withdrawn]
    return NominationsOutcome(
        as_of=max(times) if times else None,
        closes=inputs.closes,
        positions=positions,
        sources=inputs.sources,
        digest=source_digest(inputs),
    )


def source_digest(inputs: Inputs) -> str:
    """sha256 over the names and contents of every file read: changes when any of them does."""
    return hashlib.sha256("\n".join(f"{s.path} {s.sha256}" for s in inputs.sources).encode()).hexdigest()


def _position_outcome(position: Position, inputs: Inputs, roll: _Roll) -> PositionOutcome:
    config = inputs.config
    limit = threshold(config.percent(position.basis), roll.commons, position.basis)
    records = _plp_nominations(position, inputs, roll)
    supporting = _supporting(position, inputs, roll)
    decisions = _decisions(position, inputs, roll)

    nominees: dict[str, list[NominationRecord]] = {}
    for record in records:
        if record.status is Status.valid:
            nominees.setdefault(record.nominee, []).append(record)
    latest = {d.nominee: d.decision for d in decisions}  # in time order: the latest stands
    incumbent = _incumbent(position, roll)
    names = list(nominees) + [n for n in latest if n not in nominees]
    if incumbent is not None and incumbent not in names:
        names.append(incumbent)
    standings = []
    for name in names:
        nominators = [r.mp for r in nominees.get(name, [])]
        backed = sum(1 for s in supporting if s.nominee == name and s.status is Status.valid)
        standing, reason = _standing(len(nominators), limit.required, latest.get(name))
        if name == incumbent and standing not in (NomineeStanding.declined, NomineeStanding.withdrawn):
            standing, reason = NomineeStanding.incumbent, "the incumbent: on the ballot without nominations"
        standings.append(
            NomineeOutcome(
                nominee=name,
                nominations=len(nominators),
                nominators=nominators,
                decision=latest.get(name),
                standing=standing,
                reason=reason,
                supporting=backed,
            )
        )
    standings.sort(key=lambda n: (-n.nominations, ballot_order(n.nominee)))
    on_ballot = (NomineeStanding.validly_nominated, NomineeStanding.incumbent)
    candidates = sorted((n.nominee for n in standings if n.standing in on_ballot), key=ballot_order)
    awaiting = [n.nominee for n in standings if n.standing is NomineeStanding.awaiting_acceptance]
    staying = incumbent if incumbent in candidates else None
    conclusion, statement = _conclude(position, candidates, awaiting, limit, staying)
    return PositionOutcome(
        id=position.id,
        name=position.name,
        contest=position.contest,
        threshold=limit,
        nominees=standings,
        candidates=candidates,
        conclusion=conclusion,
        statement=statement,
        awaiting=awaiting,
        plp_nominations=records,
        supporting=supporting,
        decisions=decisions,
    )


def _incumbent(position: Position, roll: _Roll) -> str | None:
    if position.incumbent is None:
        return None
    name, problem = roll.nominee(position.incumbent)
    if name is None:
        raise CollegeError(problem.replace("nominee", "incumbent", 1), field=f"positions.{position.id}.incumbent")
    return name


def ballot_order(name: str) -> tuple[str, str]:
    """Ballot papers list candidates by surname (2010: Abbott, Balls, Burnham, Miliband D, Miliband E)."""
    return (_key(name.split()[-1]), _key(name))


def _in_time_order(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (row.data.when, row.order))


def _plp_nominations(position: Position, inputs: Inputs, roll: _Roll) -> list[NominationRecord]:
    """Each MP's nominations for this position, in the order made, each valid, withdrawn or rejected [5-7]."""
    closes = inputs.closes
    standing: dict[str, NominationRecord] = {}  # MP id -> their nomination that counts or counted
    records = []
    for row in _in_time_order([r for r in inputs.nominations if r.data.position == position.id]):
        item = row.data
        member, problem = roll.find(item.mp)
        nominee, nominee_problem = roll.nominee(item.nominee)
        reason = None
        if member is None:
            reason = problem
        elif member.house is not House.commons:
            reason = f"{member.name} is a {member.house.value} member: only Commons members of the PLP nominate"
        elif closes is not None and item.when > closes:
            reason = f"made after nominations closed at {_stamp(closes)}"
        elif nominee is None:
            reason = nominee_problem
        elif member.id in standing and _stands_at(standing[member.id], item.when):
            first = standing[member.id]
            reason = (
                f"second nomination for {position.name}: {member.name} already nominated "
                f"{first.nominee} at {_stamp(first.when)}; the first stands"
            )
        if reason is not None:
            status = Status.rejected
        elif item.withdrawn is not None:
            status = Status.withdrawn
        else:
            status = Status.valid
        record = NominationRecord(
            mp=member.name if member else item.mp,
            mp_id=member.id if member else None,
            nominee=nominee or item.nominee,
            when=item.when,
            withdrawn=item.withdrawn,
            status=status,
            reason=reason if reason else (f"withdrawn at {_stamp(item.withdrawn)}" if item.withdrawn else None),
            source=row.source,
        )
        if status is not Status.rejected:
            standing[member.id] = record
        records.append(record)
    return records


def _stands_at(record: NominationRecord, when: datetime) -> bool:
    return record.withdrawn is None or record.withdrawn > when


def _decisions(position: Position, inputs: Inputs, roll: _Roll) -> list[DecisionRecord]:
    records = []
    for row in _in_time_order([r for r in inputs.decisions if r.data.position == position.id]):
        name, problem = roll.nominee(row.data.nominee)
        if name is None:
            raise CollegeError(problem, file=row.location, field="nominee")
        records.append(DecisionRecord(nominee=name, decision=row.data.decision, when=row.data.when, source=row.source))
    return records


def _standing(nominations: int, required: int, decision: Decision | None) -> tuple[NomineeStanding, str]:
    count = f"{nominations} valid nomination{'s' if nominations != 1 else ''}"
    short = f"{count}, {required - nominations} short of {required}"
    if decision is Decision.declined:
        return NomineeStanding.declined, f"declined the nomination ({short if nominations < required else count})"
    if decision is Decision.withdrawn:
        return NomineeStanding.withdrawn, f"withdrew ({short if nominations < required else count})"
    if nominations < required:
        return NomineeStanding.short, f"not nominated: {short}"
    if decision is None:
        return NomineeStanding.awaiting_acceptance, f"{count} (at least {required}); has not yet accepted in writing"
    return NomineeStanding.validly_nominated, f"{count} (at least {required}) and accepted"


def _conclude(
    position: Position, candidates: list[str], awaiting: list[str], limit: Threshold, incumbent: str | None
) -> tuple[Conclusion, str]:
    pending = f" Still to accept or decline: {', '.join(awaiting)}." if awaiting else ""
    if incumbent is not None and candidates == [incumbent]:
        return Conclusion.no_challenge, (
            f"No challenger is validly nominated for {position.name} (threshold {limit.required} nominations): "
            f"{incumbent} remains {position.name}; no ballot is held.{pending}"
        )
    if len(candidates) >= 2:
        return Conclusion.ballot, (
            f"Validly nominated for {position.name}: {', '.join(candidates)}. A ballot will be held.{pending}"
        )
    if len(candidates) == 1:
        return Conclusion.unopposed, (
            f"{candidates[0]} is the only validly nominated candidate for {position.name} and is elected "
            f"unopposed: no ballot is held, and no contest file is needed.{pending}"
        )
    return Conclusion.none, (
        f"No candidate is validly nominated for {position.name} (threshold {limit.required} nominations): "
        f"there is nobody to ballot for; the Procedures Committee must decide how to proceed.{pending}"
    )


def _supporting(position: Position, inputs: Inputs, roll: _Roll) -> list[SupportingRecord]:
    """Supporting nominations for this position, in the order made [8-10]."""
    closes = inputs.supporting_closes
    first: dict[str, SupportingRecord] = {}  # body -> its accepted nomination for this position
    certified = _certified_elsewhere(position, inputs, roll)
    records = []
    for row in _in_time_order([r for r in inputs.supporting if r.data.position == position.id]):
        item = row.data
        nominee, problem = roll.nominee(item.nominee)
        reason = None
        if item.kind is BodyKind.socialist_society and item.certified_members is None:
            reason = (
                "a socialist society's supporting nomination needs its certified count "
                "of full members to be balloted [9]"
            )
        elif item.kind is BodyKind.socialist_society and item.signed_by is None:
            reason = "a socialist society's supporting nomination must be signed by its Responsible Officer [8]"
        elif closes is not None and item.when > closes:
            reason = f"made after supporting nominations closed at {_stamp(closes)}"
        elif nominee is None:
            reason = problem
        elif item.body in first:
            earlier = first[item.body]
            reason = (
                f"second supporting nomination for {position.name}: {item.name} already nominated "
                f"{earlier.nominee} at {_stamp(earlier.when)}; the first stands [9]"
            )
        elif _conflicts(item, certified):
            count, where = certified[item.body]
            reason = f"certified count {item.certified_members} differs from the {count} certified {where}"
        record = SupportingRecord(
            body=item.body,
            name=item.name,
            kind=item.kind,
            nominee=nominee or item.nominee,
            when=item.when,
            certified_members=item.certified_members,
            signed_by=item.signed_by,
            status=Status.rejected if reason else Status.valid,
            reason=reason,
            source=row.source,
        )
        if reason is None:
            first[item.body] = record
            if item.certified_members is not None:
                certified.setdefault(item.body, (item.certified_members, f"with its nomination for {position.name}"))
        records.append(record)
    return records


def _conflicts(item: SupportingNomination, certified: dict[str, tuple[int, str]]) -> bool:
    if item.certified_members is None or item.body not in certified:
        return False
    return certified[item.body][0] != item.certified_members


def _certified_elsewhere(position: Position, inputs: Inputs, roll: _Roll) -> dict[str, tuple[int, str]]:
    """Certified counts a body gave with accepted supporting nominations for earlier positions.

    A body has one membership, so the count it certifies must be the same for every position.
    """
    found: dict[str, tuple[int, str]] = {}
    for earlier in inputs.config.positions:
        if earlier.id == position.id:
            break
        for record in _supporting(earlier, inputs, roll):
            if record.status is Status.valid and record.certified_members is not None:
                found.setdefault(record.body, (record.certified_members, f"with its nomination for {earlier.name}"))
    return found


def certified_counts(result: NominationsOutcome) -> dict[str, int]:
    """{affiliate id: certified count of full members} from accepted supporting nominations.

    These fill `certified_members` in the contest file's affiliates register: all full
    members, and only they, get a paper, so papers issued must match this count.
    """
    counts: dict[str, int] = {}
    for position in result.positions:
        for record in position.supporting:
            if record.status is Status.valid and record.certified_members is not None:
                counts.setdefault(record.body, record.certified_members)
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------
# The contest file's candidates come from here and nowhere else
# ---------------------------------------------------------------------------

_NEW_CONTEST_SECTIONS = [
    ("plp", "PLP and EPLP", "1/3"),
    ("members", "Individual members", "1/3"),
    ("affiliates", "Affiliated organisations", "1/3"),
]


def contest_text(position: PositionOutcome, existing: str | None = None, *, file: str = "contest file") -> str:
    """The contest file with its candidates set to the position's validly nominated candidates.

    An existing file keeps everything else, comments included; a new one gets the three
    sections of seed 003 items 23-27 and a tie policy that refers ties to the committee,
    to be reviewed before the count. Refused unless there is a ballot to hold and every
    nominee over the threshold has accepted or declined.
    """
    if position.conclusion is not Conclusion.ballot:
        raise CollegeError(position.statement, field=position.id)
    if position.awaiting:
        raise CollegeError(
            f"cannot fix the ballot for {position.name} while {', '.join(position.awaiting)} "
            "has not accepted or declined in writing",
            field=position.id,
        )
    if existing is None:
        document = _new_contest(position)
    else:
        document = _parse_contest(existing, file)
        for key, expected in (("id", position.contest), ("position", position.name)):
            if document.get(key) != expected:
                raise CollegeError(
                    f"this contest file is for {document.get(key)!r}, the nominations are for {expected!r}",
                    file=file,
                    field=key,
                )
    candidates = tomlkit.array()
    candidates.extend(position.candidates)
    candidates.multiline(True)
    document["candidates"] = candidates
    return _checked_contest(document, file)


def with_certified_counts(text: str, counts: dict[str, int], *, file: str = "contest file") -> tuple[str, list[str]]:
    """The contest file with each registered body's `certified_members` set from `counts` [9].

    The count certified with a supporting nomination is the one papers issued must match,
    so it replaces whatever the register held; each change is returned, to be shown.
    Bodies in the register without a certified count here are left as they are.
    """
    document = _parse_contest(text, file)
    changes = []
    for body in document.get("register", []):
        count = counts.get(body.get("id"))
        if count is not None and body.get("certified_members") != count:
            was = body.get("certified_members")
            changes.append(f"register {body['id']}: certified_members {'unset' if was is None else was} -> {count}")
            body["certified_members"] = count
    return _checked_contest(document, file), changes


def _parse_contest(text: str, file: str) -> tomlkit.TOMLDocument:
    """A contest file as an editable document that keeps its comments."""
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as error:
        raise CollegeError(f"not valid TOML ({error})", file=file) from None


def _checked_contest(document: tomlkit.TOMLDocument, file: str) -> str:
    """The edited contest file's text, once it is known to be a valid contest."""
    text = tomlkit.dumps(document)
    try:
        Contest.model_validate(tomllib.loads(text))
    except ValidationError as error:
        raise from_validation_error(error, file=file) from None
    return text


def _new_contest(position: PositionOutcome) -> tomlkit.TOMLDocument:
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Contest file for {position.name}, made from the nominations outcome."))
    document.add(tomlkit.comment("Candidates are set by `college nominations contest`."))
    document.add(tomlkit.comment("Review the sections and the tie policy before the count."))
    document["id"] = position.contest
    document["position"] = position.name
    document["candidates"] = []
    document["tie_policy"] = ["previous-rounds", "refer"]
    sections = tomlkit.aot()
    for section_id, name, weight in _NEW_CONTEST_SECTIONS:
        table = tomlkit.table()
        table.update({"id": section_id, "name": name, "weight": weight})
        sections.append(table)
    document["sections"] = sections
    return document
