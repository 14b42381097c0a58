"""Delegates to the Electoral College meeting (seed 003 items 21, 22).

[22] Affiliates may send delegates to the Electoral College meeting, at £50 a delegate
registered online and £60 registered by post. The fees are data (the contest file's
`[delegate_fees]`, those of item 22 by default). Each body registers its delegates; the
Procedures Committee gets the list for the meeting and the fees each body owes, and the
NEC report can carry the same table.

The registrations file (CSV or JSON) has one row per delegate: body, name, how they were
registered, and when.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

from pydantic import AwareDatetime, Field, field_validator

from college.contest import Contest, DelegateFees, Registered
from college.errors import CollegeError
from college.model import Identifier, Model, Name
from college.nominations import read_rows
from college.reports.tables import Table


class Registration(Model):
    """One delegate registered by a body [22]."""

    body: Identifier = Field(description="the body's id in the contest's register")
    name: Name = Field(description="the delegate's name")
    registered: Registered = Field(description="online or by post: the fee differs")
    when: AwareDatetime

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        # One spelling of a name however it was typed (composed or decomposed accents), so a
        # delegate registered twice is seen as twice.
        return unicodedata.normalize("NFC", " ".join(value.split()))


class Delegate(Model):
    body: str
    body_name: str
    name: str
    registered: Registered
    when: AwareDatetime
    fee: str


class BodyFees(Model):
    body: str
    body_name: str
    delegates: int
    online: int
    post: int
    fee_due: str


class DelegateList(Model):
    """For the Procedures Committee: who attends the meeting, and the fees each body owes."""

    contest: str
    college_meeting: str | None = Field(description="the meeting's date, from the calendar")
    fees: DelegateFees
    delegates: list[Delegate] = Field(description="by body, then name")
    bodies: list[BodyFees]
    total_due: str


def _pounds(value: Decimal) -> str:
    return f"{value:.2f}"


def read_registrations(path: Path) -> list[tuple[str, Registration]]:
    """The rows of a registrations file (CSV or JSON), each with where it is ("line 2")."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return read_rows(data, path, Registration)


def delegate_list(contest: Contest, rows: list[tuple[str, Registration]], file: str = "delegates") -> DelegateList:
    """The meeting's list and the fees due, from the rows of a registrations file ("line 2", row).

    A delegate of a body that is not an affiliate in the register, or listed twice for one body, is an error.
    """
    seen: set[tuple[str, str]] = set()
    delegates = []
    for where, row in rows:
        body = contest.body(row.body)
        if body is None or not body.affiliate:
            raise CollegeError(f"{row.body!r} is not an affiliate in the contest's register", file=f"{file} {where}", field="body")
        if contest.calendar is not None and row.when.date() >= contest.calendar.college_meeting:
            raise CollegeError(
                f"registered on or after the day of the meeting ({contest.calendar.college_meeting})",
                file=f"{file} {where}",
                field="when",
            )
        key = (row.body, row.name.casefold())
        if key in seen:
            raise CollegeError(f"{row.name!r} is registered twice for {body.name}", file=f"{file} {where}", field="name")
        seen.add(key)
        fee = contest.delegate_fees.fee(row.registered)
        delegates.append(
            Delegate(body=body.id, body_name=body.name, name=row.name, registered=row.registered, when=row.when, fee=_pounds(fee))
        )
    delegates.sort(key=lambda d: (d.body_name.casefold(), d.name.casefold()))
    bodies = []
    for body in contest.register:
        own = [d for d in delegates if d.body == body.id]
        if own:
            online = sum(d.registered is Registered.online for d in own)
            bodies.append(
                BodyFees(
                    body=body.id,
                    body_name=body.name,
                    delegates=len(own),
                    online=online,
                    post=len(own) - online,
                    fee_due=_pounds(sum((Decimal(d.fee) for d in own), Decimal(0))),
                )
            )
    calendar = contest.calendar
    return DelegateList(
        contest=contest.id,
        college_meeting=calendar.college_meeting.isoformat() if calendar else None,
        fees=contest.delegate_fees,
        delegates=delegates,
        bodies=bodies,
        total_due=_pounds(sum((Decimal(b.fee_due) for b in bodies), Decimal(0))),
    )


def report_tables(listed: DelegateList) -> list[Table]:
    """The list for the meeting and the fees due, as report tables: printed by `college delegates`,
    and added to the NEC report by `college report --delegates`."""
    meeting = f" on {listed.college_meeting}" if listed.college_meeting else ""
    return [
        Table(
            id="delegates",
            title=f"Delegates to the Electoral College meeting{meeting}",
            columns=["body", "delegate", "registered", "fee_gbp"],
            headers=["body", "delegate", "registered", "fee (£)"],
            rows=[[d.body_name, d.name, d.registered.value, d.fee] for d in listed.delegates],
            note=f"£{listed.fees.online} a delegate registered online, £{listed.fees.post} by post (item 22)",
        ),
        Table(
            id="delegate-fees",
            title="Delegates' fees due, by body",
            columns=["body", "delegates", "online", "post", "due_gbp"],
            headers=["body", "delegates", "online", "by post", "due (£)"],
            rows=[[b.body_name, b.delegates, b.online, b.post, b.fee_due] for b in listed.bodies]
            + [["total", len(listed.delegates), None, None, listed.total_due]],
        ),
    ]
