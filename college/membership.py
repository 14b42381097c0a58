"""A body's membership roll against its certified count (seed 003 items 9, 11 and 12).

[12] Members recruited up to the commencement may vote, and no later: a member who
joined after the calendar's recruitment freeze (the commencement) is not eligible.
[9, 11] The society certifies how many full members it will ballot, and every one of
them, and only they, get a paper: the certified count must equal the eligible members
on its roll.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field

from college.contest import Contest
from college.errors import CollegeError
from college.model import Model, Name
from college.nominations import read_rows
from college.timetable import of as timetable_of

SHOWN = 5  # member ids named in a finding: enough to find the rows, not the whole roll


class RollMember(Model):
    """One full member on a body's roll."""

    member: Name = Field(description="the body's membership number or other unique id")
    joined: date = Field(description="the day the member joined")


class RollCheck(Model):
    body: str
    freeze: date
    on_roll: int
    joined_after: int = Field(description="members who joined after the recruitment freeze: not eligible [12]")
    eligible: int
    certified: int
    late_members: list[str] = Field(description=f"the first {SHOWN} members who joined after the freeze")
    breach: str | None = Field(description="[certified-not-eligible] when the certified count is not the eligible members")


def read_roll(path: Path) -> list[RollMember]:
    """A roll in CSV or JSON (columns member, joined); a member listed twice is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    rows = read_rows(data, path, RollMember)
    seen: set[str] = set()
    for where, row in rows:
        if row.member in seen:
            raise CollegeError(f"member {row.member!r} appears more than once", file=f"{path} {where}", field="member")
        seen.add(row.member)
    return [row for _, row in rows]


def check_roll(contest: Contest, body_id: str, roll: list[RollMember]) -> RollCheck:
    """The roll's eligible members [12] against the body's certified count [9, 11]."""
    calendar, _ = timetable_of(contest)
    body = contest.body(body_id)
    if body is None:
        raise CollegeError(f"{body_id!r} is not in the contest's register", field="--body")
    freeze = calendar.recruitment_freeze
    late = [row.member for row in roll if row.joined > freeze]
    eligible = len(roll) - len(late)
    breach = None
    if eligible != body.certified_members:
        breach = (
            f"[certified-not-eligible] {body.name} certified {body.certified_members} full members, but its roll has "
            f"{eligible} who joined on or before {freeze}: every eligible member, and only they, get a paper "
            "(items 9, 11, 12)"
        )
    return RollCheck(
        body=body.id,
        freeze=freeze,
        on_roll=len(roll),
        joined_after=len(late),
        eligible=eligible,
        certified=body.certified_members,
        late_members=late[:SHOWN],
        breach=breach,
    )
