"""The contest file: who stands, the sections and their weights, and how papers are read.

Seed 003 items 23-27: three sections, each worth one third. The weights are data,
not code, so the 1981-1993 college (40/30/30) or a one-section OMOV contest runs on
the same engine. Later stages (register of returning bodies, deadline, committee,
keys) add their own tables to this same file.

The register (`[[register]]`, seed 003 items 11-20): each trade union and socialist
society ballots its own members one person one vote under an independent scrutineer
named and agreed in advance, and certifies how many full members it will ballot. The
PLP/EPLP and the individual members are balloted by the party's balloting organisation,
which sends one return per section in the same format: the register holds it too, as
kind `party_ballot`.

The Procedures Committee (`[committee]`, seed 003 item 2): the NEC establishes a
committee of six (the General Secretary as Procedures Secretary, the Chair and Vice
Chair of the NEC, the Chair of the NEC Organisation Sub-Committee, the Co-convenor of the
JPC and the Chair of the CAC). It oversees the election and here also holds the
declaration key between them, so that a quorum of them, and no fewer, can open the sealed
result. Each member registers two public keys: an Ed25519 key that verifies the
contributions they sign, and an X25519 key to which their share of the declaration key
is sealed.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from pathlib import Path

from typing import Annotated

from pydantic import Field, StrictInt, field_validator, model_validator

from college.errors import CollegeError
from college.model import Identifier, Model, Name, parse_toml
from college.signing import Ed25519KeyText, X25519KeyText
from college.timetable import Calendar
from college.wording import Wording


class TieMethod(str, Enum):
    """Ways to choose between candidates tied for the lowest college share, tried in order."""

    previous_rounds = "previous-rounds"
    first_round = "first-round"
    candidate_order = "candidate-order"
    lot = "lot"
    refer = "refer"


# A policy must end in a method that always picks one candidate.
DECISIVE = {TieMethod.candidate_order, TieMethod.lot, TieMethod.refer}


class Overvote(str, Enum):
    """What a paper with two or more candidates marked at one preference does."""

    exhaust = "exhaust"  # the paper stops at the overvote
    skip = "skip"  # the marked preference is passed over, the next one counts
    exhaust_if_multiple_continuing = "exhaust-if-multiple-continuing"


class Duplicate(str, Enum):
    """What a paper that names a candidate it already ranked higher does."""

    skip = "skip"  # the repeat is read like any other mark (see college/ballots.py)
    exhaust = "exhaust"  # the paper stops at a name marked higher up, alone or in an overvote


class BallotRules(Model):
    """How a paper is read. The defaults suit a postal ballot counted by hand:

    a paper stops where its sequence breaks (a missing preference) or where two
    candidates share a preference; a candidate repeated lower down is passed over.
    """

    overvote: Overvote = Overvote.exhaust
    max_skipped_ranks: int | None = Field(
        default=0,
        ge=0,
        description='consecutive unmarked preferences allowed before the paper stops; "unlimited" (or null) for no limit',
        json_schema_extra={"anyOf": [{"type": "integer", "minimum": 0}, {"const": "unlimited"}, {"type": "null"}]},
    )
    duplicate: Duplicate = Duplicate.skip
    overvote_delimiter: str = Field(
        default="|", min_length=1, description="separates several names marked at one preference in a CSV or Parquet cell"
    )

    @field_validator("max_skipped_ranks", mode="before")
    @classmethod
    def _unlimited(cls, value):
        # TOML has no null, so a contest file says "unlimited".
        return None if value == "unlimited" else value


class Rounding(str, Enum):
    """How published percentages are rounded (college/count/shares.py); comparisons never use them."""

    half_up = "half-up"  # each share on its own: a row may add to 99.9 or 100.1
    largest_remainder = "largest-remainder"  # a row adds to exactly 100.0


class Display(Model):
    """Decimal places and rounding rule for published figures; comparisons never use them."""

    rounding: Rounding = Rounding.half_up
    section_decimals: int = Field(default=3, ge=0, le=12)
    college_decimals: int = Field(default=2, ge=0, le=12)
    category_decimals: int | None = Field(
        default=None, ge=0, le=12, description="voter categories' shares; the sections' places when not given"
    )

    @property
    def category_places(self) -> int:
        return self.section_decimals if self.category_decimals is None else self.category_decimals


class Papers(str, Enum):
    """What one counted paper of a section is."""

    ballots = "ballots"  # one voter's ballot paper
    block_votes = "block-votes"  # a delegation's block vote (the unions and CLPs of 1981-1993)


class Registered(str, Enum):
    online = "online"
    post = "post"


class DelegateFees(Model):
    """Fee per delegate, by how they were registered [22]."""

    online: str = Field(default="50.00", pattern=r"^\d{1,6}\.\d{2}$", description='pounds and pence, such as "50.00"')
    post: str = Field(default="60.00", pattern=r"^\d{1,6}\.\d{2}$", description='pounds and pence, such as "60.00"')

    def fee(self, registered: Registered) -> Decimal:
        """[22] The fee for one delegate registered this way."""
        return Decimal(self.online if registered is Registered.online else self.post)


class Section(Model):
    id: Identifier
    name: Name
    weight: str = Field(description='exact fraction such as "1/3"')
    published: bool = Field(
        default=False, description="each named voter's ballot is published after the declaration (the PLP/EPLP in 2010)"
    )
    papers: Papers = Field(default=Papers.ballots, description="ballots, or block votes cast by delegations")
    unit: int = Field(
        default=1, ge=1, description="votes one counted block vote stands for: 1000 where block votes are published in thousands"
    )

    @field_validator("weight")
    @classmethod
    def _weight_is_a_positive_fraction(cls, value: str) -> str:
        try:
            weight = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f'weight must be an exact fraction such as "1/3", got {value!r}') from None
        if weight <= 0:
            raise ValueError("weight must be positive")
        return value

    @model_validator(mode="after")
    def _unit_only_for_block_votes(self) -> Section:
        if self.unit != 1 and self.papers is not Papers.block_votes:
            raise ValueError(f"sections: {self.id!r} has unit {self.unit}, but only block votes are counted in units")
        return self

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.weight.strip())

    @property
    def votes_label(self) -> str:
        """What the section's figures are, as the reports head them."""
        if self.papers is Papers.ballots:
            return "votes"
        return "block votes" if self.unit == 1 else f"block votes ({_UNITS.get(self.unit, f'x {self.unit:,}')})"


_UNITS = {1000: "thousands", 1_000_000: "millions"}

Moment = date | datetime  # a date covers the whole day; a date-time needs its time zone offset


class Category(Model):
    """A category of voter in a one-member-one-vote section (members, registered supporters,
    affiliated supporters), with who in it may vote: eligibility by category is data.

    `joined_by` is the freeze date (the 2016 contest went to court over it): the voter must have
    joined the party, or for an affiliated supporter the affiliate, at or before it.
    `registration_opens` and `registration_closes` bound when the voter registered as a
    supporter. A date covers its whole day. College/electorate.py applies them to a roll.
    """

    id: Identifier
    name: Name
    section: Identifier | None = Field(default=None, description="the section its papers count in; the only one if omitted")
    joined_by: Moment | None = Field(default=None, description="freeze date: joined at or before it")
    registration_opens: Moment | None = Field(default=None, description="registered as a supporter at or after it")
    registration_closes: Moment | None = Field(default=None, description="registered as a supporter at or before it")
    electorate: Count | None = Field(
        default=None,
        description="voters of the category certified eligible (college electorate): the register's bodies of the "
        "category must together certify exactly this many",
    )

    @field_validator("joined_by", "registration_opens", "registration_closes")
    @classmethod
    def _moment_has_a_zone(cls, value: Moment | None) -> Moment | None:
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError("a date-time needs a time zone offset, such as 2020-01-20T17:00:00+00:00 (or give a date)")
        return value

    @model_validator(mode="after")
    def _window_in_order(self) -> Category:
        opens, closes = self.registration_opens, self.registration_closes
        if opens is not None and closes is not None and _start(opens) > _end(closes):
            raise ValueError(f"categories: {self.id!r} registration_opens is after registration_closes")
        return self


def _start(moment: Moment) -> datetime:
    """The first instant a moment covers (a date: its midnight, read as UTC for ordering only)."""
    return moment if isinstance(moment, datetime) else datetime.combine(moment, datetime.min.time()).replace(tzinfo=UTC)


def _end(moment: Moment) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, datetime.max.time()).replace(tzinfo=UTC)


# Whole numbers a JSON reader anywhere holds exactly.
Count = Annotated[StrictInt, Field(ge=0, lt=2**53)]


class BodyKind(str, Enum):
    trade_union = "trade_union"
    socialist_society = "socialist_society"
    party_ballot = "party_ballot"  # the balloting organisation's return for the PLP/EPLP or members' section


class ReturningBody(Model):
    id: Identifier
    name: Name
    kind: BodyKind
    section: Identifier = Field(description="the id of the section this body's return counts in")
    category: Identifier | None = Field(
        default=None, description="the voter category its papers carry, in a section with categories (one-member-one-vote)"
    )
    certified_members: Count = Field(description="full members certified to be balloted: each gets a paper (item 13)")
    declaration_required: bool = Field(
        description="the paper carries a declaration of support (the body admits people who are not Labour members)"
    )
    wording: Identifier | None = Field(
        default=None,
        description="the id of the declaration wording agreed for this body's papers (items 11, 16); "
        "none for a body of Labour members only",
    )
    scrutineer: Name = Field(description="the independent scrutineer named and agreed in advance")
    public_key: Ed25519KeyText = Field(description="the scrutineer's Ed25519 public key, base64 of its 32 raw bytes")

    @property
    def affiliate(self) -> bool:
        """A trade union or socialist society: it ballots on the party's paper and may send delegates [14, 22]."""
        return self.kind in (BodyKind.trade_union, BodyKind.socialist_society)


class Member(Model):
    id: Identifier
    name: Name
    role: Name
    signing_key: Ed25519KeyText = Field(
        description="Ed25519 public key (base64 of 32 bytes): verifies the member's contributions"
    )
    share_key: X25519KeyText = Field(
        description="X25519 public key (base64 of 32 bytes): the member's share of the declaration key is sealed to it"
    )


class Committee(Model):
    members: list[Member] = Field(min_length=1)
    quorum: int = Field(ge=1, description="how many members must contribute their shares to open the result")

    @model_validator(mode="after")
    def _consistent(self) -> Committee:
        if self.quorum > len(self.members):
            raise ValueError(f"quorum: {self.quorum} is more than the {len(self.members)} members")
        seen: dict[str, str] = {}
        for member in self.members:
            for what, value in (("id", member.id), ("signing_key", member.signing_key), ("share_key", member.share_key)):
                # One key text shared by two members (or by both roles of one) would let one person act twice.
                if value in seen:
                    raise ValueError(f"members: {member.id!r} has the same {what} as {seen[value]!r}")
                seen[value] = member.id
        return self

    def member(self, member_id: str) -> Member:
        for member in self.members:
            if member.id == member_id:
                return member
        known = ", ".join(m.id for m in self.members)
        raise CollegeError(f"no member {member_id!r} on the committee (members: {known})", field="member")


# `register` is the field's natural name. Pydantic warns because ABCMeta, the models'
# metaclass, has a `register` method; instances never see it, so the field is safe.
warnings.filterwarnings("ignore", message='Field name "register" in "Contest"', category=UserWarning)


class Contest(Model):
    id: Identifier
    position: Name
    candidates: list[Name] = Field(min_length=1, description="validly nominated candidates, in ballot-paper order")
    excluded: list[Name] = Field(
        default_factory=list, description="withdrawn candidates still printed on papers: passed over when read"
    )
    sections: list[Section] = Field(min_length=1)
    categories: list[Category] = Field(
        default_factory=list,
        description="voter categories of a one-member-one-vote section: its papers carry one, counted in one pool",
    )
    tie_policy: list[TieMethod] = Field(default_factory=lambda: [TieMethod.previous_rounds, TieMethod.lot], min_length=1)
    lot_seed: str | None = Field(default=None, min_length=1, description="fixed by the committee before the count")
    batch_elimination: bool = Field(
        default=False, description="eliminating-ballot rule (seed 000 I.iv.10); single-section contests only"
    )
    ballots: BallotRules = BallotRules()
    display: Display = Display()
    committee: Committee | None = Field(default=None, description="the Procedures Committee: members, keys, quorum")
    declaration_public_key: X25519KeyText | None = Field(
        default=None, description="X25519 public key (base64) the result is sealed to; written by the key ceremony"
    )
    register: list[ReturningBody] = Field(
        default_factory=list, description="every body that sends a return: affiliates and the party's own ballots"
    )
    wordings: list[Wording] = Field(
        default_factory=list, description="the declaration of support's wordings agreed with the Procedures Committee [16]"
    )
    calendar: Calendar | None = Field(default=None, description="the timetable (seed 003 items 3, 5, 8, 12, 21, 31)")
    returns_deadline: datetime | None = Field(
        default=None,
        description="for a contest without a calendar (a re-count, a dry run): returns received after this moment "
        "are late; with its time zone offset",
    )
    store: str | None = Field(
        default=None,
        description="where submissions, the ledger and receipts are kept: a folder, file:///path or s3://bucket/prefix; "
        "--store and COLLEGE_STORE take precedence; credentials never go here",
    )
    delegate_fees: DelegateFees = Field(
        default_factory=DelegateFees, description="fee per delegate to the Electoral College meeting (item 22)"
    )
    count_public_key: X25519KeyText | None = Field(
        default=None, description="the count's X25519 public key, base64 of its 32 raw bytes: returns are sealed to it"
    )

    @field_validator("returns_deadline")
    @classmethod
    def _deadline_has_a_zone(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("returns_deadline needs a time zone offset, such as 2026-09-01T12:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Contest:
        _unique(self.candidates, "candidates")
        _unique(self.excluded, "excluded")
        both = set(self.candidates) & set(self.excluded)
        if both:
            raise ValueError(f"excluded: {sorted(both)[0]!r} is also a validly nominated candidate")
        _unique([s.id for s in self.sections], "sections.id")
        total = sum((s.fraction for s in self.sections), Fraction(0))
        if total != 1:
            raise ValueError(f"sections: weights must sum to exactly 1, they sum to {total}")
        _unique(self.tie_policy, "tie_policy")
        if self.tie_policy[-1] not in DECISIVE:
            raise ValueError(
                "tie_policy: must end with candidate-order, lot or refer, so that every tie is settled"
            )
        if TieMethod.lot in self.tie_policy and not self.lot_seed:
            raise ValueError("lot_seed: required when tie_policy includes lot (fixed before the count)")
        if self.calendar is not None and self.returns_deadline is not None:
            raise ValueError("returns_deadline: the contest has a calendar; its deadline is calendar.returns_deadline")
        _unique([body.id for body in self.register], "register.id")
        section_ids = {s.id for s in self.sections}
        _unique([w.id for w in self.wordings], "wordings.id")
        wording_ids = {w.id for w in self.wordings}
        for body in self.register:
            if body.section not in section_ids:
                raise ValueError(f"register: body {body.id!r} names section {body.section!r}, which the contest lacks")
            if body.wording is not None and body.wording not in wording_ids:
                raise ValueError(f"register: body {body.id!r} names wording {body.wording!r}, which wordings lacks")
            if body.wording is not None and not body.declaration_required:
                raise ValueError(
                    f"register: body {body.id!r} admits Labour members only (declaration_required = false): "
                    "its paper carries no declaration, so no wording (item 16)"
                )
        _unique([c.id for c in self.categories], "categories.id")
        for category in self.categories:
            if category.id in section_ids:
                raise ValueError(f"categories: {category.id!r} is also a section id")
            if category.section is None and len(self.sections) > 1:
                raise ValueError(f"categories: {category.id!r} must name its section (the contest has several)")
            if category.section is not None and category.section not in section_ids:
                raise ValueError(f"categories: {category.id!r} names section {category.section!r}, which the contest lacks")
        for category in self.categories:
            bodies = [body for body in self.register if body.category == category.id]
            certified = sum(body.certified_members for body in bodies)
            if category.electorate is not None and bodies and certified != category.electorate:
                raise ValueError(
                    f"register: the bodies of category {category.id!r} certify {certified} voters, "
                    f"its electorate is {category.electorate}"
                )
        for body in self.register:
            categories = [c.id for c in self.categories_of(body.section)]
            if body.category is None and categories:
                raise ValueError(f"register: body {body.id!r} must name its voter category ({', '.join(categories)})")
            if body.category is not None and body.category not in categories:
                raise ValueError(
                    f"register: body {body.id!r} names category {body.category!r}, which is not a category of its section"
                )
        if self.batch_elimination and len(self.sections) > 1:
            raise ValueError(
                "batch_elimination: only defined for a single-section count; "
                "in a weighted college, shares from different sections cannot be added as votes"
            )
        return self

    def categories_of(self, section_id: str) -> list[Category]:
        """The voter categories whose papers count in this section (none in a college section)."""
        return [c for c in self.categories if (c.section or self.sections[0].id) == section_id]

    @property
    def has_college(self) -> bool:
        """False for a one-member-one-vote contest: one section, so shares are of all votes."""
        return len(self.sections) > 1
    @property
    def deadline(self) -> datetime | None:
        """The returns deadline [31]: the calendar's, or the one a contest without a calendar gives."""
        return self.calendar.returns_deadline if self.calendar is not None else self.returns_deadline

    def wording(self, body: ReturningBody) -> Wording | None:
        """The declaration wording agreed for this body's papers, or None (a body of Labour members only)."""
        return next((w for w in self.wordings if w.id == body.wording), None)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        known = ", ".join(s.id for s in self.sections)
        raise CollegeError(f"no section {section_id!r} in the contest (sections: {known})", field="section")

    def body(self, body_id: str) -> ReturningBody | None:
        """The registered body with this id, or None."""
        return next((body for body in self.register if body.id == body_id), None)


def _unique(values: list, field: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            shown = value.value if isinstance(value, Enum) else value
            raise ValueError(f"{field}: {shown!r} appears more than once")
        seen.add(value)


def load_contest(path: str | Path) -> Contest:
    """Read and validate a contest file; any problem is a CollegeError naming the file and field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return parse_toml(Contest, raw, str(path))
