"""The contest's calendar: the dates of seed 003, each rule about them named.

The rules, as this module reads them (each breach is a `Breach` naming its rule):

- [3] `commencement-after-announcement`: the election commences the day the NEC first
  meets in the days following the announcement, so after it.
- [3] `seven-weeks`: it continues for a minimum of seven weeks, from the commencement to
  the Electoral College meeting where the result is announced.
- [5] `nominations-open-before-commencement`, `nomination-window`: MPs have about a week
  to nominate, within the election: the window opens on or after the commencement and
  lasts from 5 to 9 days ("about a week" read as a week give or take two days).
- [8] `supporting-papers-sent`: supporting-nomination papers go to the societies about a
  week to 10 days after the announcement: 7 to 10 days after it.
- [8-10] `supporting-close-before-sent`: supporting nominations close after the papers went out.
- [12] `recruitment-freeze`: members recruited up to the commencement may vote, so the
  recruitment freeze is the commencement.
- [21, 31] `notice-sent`: the returns deadline and the meeting's date are sent to the
  societies within days of the announcement: on it or in the 10 days after.
- [31, 28] `returns-deadline-order`: returns are due after the nominations close and
  before the day of the Electoral College meeting, where the result is declared.

The rules marked `varies` state what the guidelines expect ("a minimum of", "about a
week"); the Procedures Committee may set another timetable, and a breach of one of them
stands only when the calendar records the committee's decision to vary that rule. The
others are the order of events, which no decision can change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import AwareDatetime, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from college.model import Model, Name

SEVEN_WEEKS = timedelta(weeks=7)  # [3]
NOMINATION_WINDOW = (timedelta(days=5), timedelta(days=9))  # [5] about a week
SUPPORTING_PAPERS_AFTER = (7, 10)  # [8] days after the announcement
NOTICE_WITHIN = 10  # [21, 31] "within days": read as the 10 days item 8 gives the papers


@dataclass(frozen=True)
class Rule:
    id: str
    items: str
    text: str
    varies: bool  # a recorded decision of the Procedures Committee may vary it


RULES = {
    rule.id: rule
    for rule in (
        Rule("commencement-after-announcement", "3", "the election commences after the announcement", False),
        Rule(
            "seven-weeks",
            "3",
            "the election runs for at least seven weeks, from the commencement to the Electoral College meeting",
            True,
        ),
        Rule(
            "nominations-open-before-commencement",
            "3, 5",
            "MPs' nominations open on or after the commencement",
            False,
        ),
        Rule("nomination-window", "5", "MPs have about a week (5 to 9 days) to nominate", True),
        Rule(
            "supporting-papers-sent",
            "8",
            "supporting-nomination papers are sent 7 to 10 days after the announcement",
            True,
        ),
        Rule(
            "supporting-close-before-sent",
            "8",
            "supporting nominations close after the papers are sent",
            False,
        ),
        Rule("recruitment-freeze", "12", "members recruited up to the commencement may vote: the freeze is the commencement", True),
        Rule(
            "notice-sent",
            "21, 31",
            "the returns deadline and the meeting's date are sent to the bodies within 10 days of the announcement",
            True,
        ),
        Rule(
            "returns-deadline-order",
            "28, 31",
            "returns are due after the nominations close and before the day of the Electoral College meeting",
            False,
        ),
    )
}


class CommitteeDecision(Model):
    """A recorded decision of the Procedures Committee varying one rule of the timetable [2, 3]."""

    rule: str = Field(description="the id of the timetable rule it varies, such as seven-weeks")
    decided_on: date
    minute: Name = Field(description="where the decision is recorded: the meeting and minute number")
    text: Name = Field(description="what was decided")

    @model_validator(mode="after")
    def _a_rule_that_varies(self) -> CommitteeDecision:
        rule = RULES.get(self.rule)
        if rule is None or not rule.varies:
            varying = ", ".join(r.id for r in RULES.values() if r.varies)
            raise ValueError(f"rule: {self.rule!r} is not a rule the committee may vary ({varying})")
        return self


class Calendar(Model):
    """The contest's timetable (seed 003 items 3, 5, 8, 12, 21, 31).

    Days are dates; deadlines are moments with their time zone offset.
    """

    announcement: date = Field(description="the announcement of the intended resignation, or of the vacancy [3]")
    commencement: date = Field(description="the day the NEC first meets after the announcement: the election begins [3]")
    notice_sent: date = Field(description="the returns deadline and the meeting's date sent to the bodies [21, 31]")
    nominations_open: AwareDatetime = Field(description="MPs' nominations open [5]")
    nominations_close: AwareDatetime = Field(description="MPs' nominations close [5]")
    supporting_papers_sent: date = Field(description="supporting-nomination papers sent to the societies [8]")
    supporting_close: AwareDatetime = Field(description="supporting nominations close [8-10]")
    recruitment_freeze: date = Field(
        description="members who joined on or before this day may vote: the commencement [12]"
    )
    returns_deadline: AwareDatetime = Field(description="returns due at the party's scrutineer [31]")
    college_meeting: date = Field(description="the Electoral College meeting: the result is declared [3, 21, 28]")
    decisions: list[CommitteeDecision] = Field(
        default_factory=list, description="the Procedures Committee's recorded decisions varying a rule"
    )

    @model_validator(mode="after")
    def _keeps_the_rules(self) -> Calendar:
        rules = [d.rule for d in self.decisions]
        twice = next((rule for rule in rules if rules.count(rule) > 1), None)
        if twice:
            raise ValueError(f"decisions: two decisions vary {twice!r}; record the one that stands")
        standing = [b for b in breaches(self) if b.decision is None]
        if standing:
            first = standing[0]
            more = f" (and {len(standing) - 1} more: {', '.join(b.rule for b in standing[1:])})" if len(standing) > 1 else ""
            raise PydanticCustomError("timetable", "{field}: {message}", {"field": first.field, "message": first.message + more})
        return self

    def decision(self, rule: str) -> CommitteeDecision | None:
        return next((d for d in self.decisions if d.rule == rule), None)


@dataclass(frozen=True)
class Breach:
    rule: str
    field: str
    detail: str  # the figures of the calendar that break it (dates are public)
    decision: CommitteeDecision | None  # the recorded decision that varies it, if any

    @property
    def message(self) -> str:
        rule = RULES[self.rule]
        text = f"[{rule.id}] {rule.text} (item {rule.items}): {self.detail}"
        if rule.varies and self.decision is None:
            text += "; another timetable needs a recorded decision of the Procedures Committee"
        return text


def _days(n: int | timedelta) -> str:
    if isinstance(n, timedelta):
        whole = n - timedelta(days=n.days)
        return f"{n.days} days" + (f" and {whole}" if whole else "")
    return f"{n} day{'s' if n != 1 else ''}"


def breaches(calendar: Calendar) -> list[Breach]:
    """Every rule the calendar breaks, in the order of the rules, each with any decision that varies it."""
    c = calendar
    found: list[tuple[str, str, str]] = []
    if c.commencement <= c.announcement:
        found.append(("commencement-after-announcement", "commencement", f"{c.commencement} is not after {c.announcement}"))
    run = c.college_meeting - c.commencement
    if run < SEVEN_WEEKS:
        found.append(("seven-weeks", "college_meeting", f"{_days(run)} from {c.commencement} to {c.college_meeting}"))
    if c.nominations_open.date() < c.commencement:
        found.append(
            ("nominations-open-before-commencement", "nominations_open", f"{c.nominations_open} is before {c.commencement}")
        )
    window = c.nominations_close - c.nominations_open
    if not NOMINATION_WINDOW[0] <= window <= NOMINATION_WINDOW[1]:
        found.append(("nomination-window", "nominations_close", f"the window is {_days(window)}"))
    sent = (c.supporting_papers_sent - c.announcement).days
    if not SUPPORTING_PAPERS_AFTER[0] <= sent <= SUPPORTING_PAPERS_AFTER[1]:
        found.append(("supporting-papers-sent", "supporting_papers_sent", f"{_days(sent)} after the announcement"))
    if c.supporting_close.date() <= c.supporting_papers_sent:
        found.append(
            ("supporting-close-before-sent", "supporting_close", f"{c.supporting_close} is not after {c.supporting_papers_sent}")
        )
    if c.recruitment_freeze != c.commencement:
        found.append(("recruitment-freeze", "recruitment_freeze", f"{c.recruitment_freeze}, the commencement is {c.commencement}"))
    notice = (c.notice_sent - c.announcement).days
    if not 0 <= notice <= NOTICE_WITHIN:
        found.append(("notice-sent", "notice_sent", f"{_days(notice)} after the announcement"))
    if c.returns_deadline <= max(c.nominations_close, c.supporting_close):
        found.append(("returns-deadline-order", "returns_deadline", f"{c.returns_deadline} is not after the nominations close"))
    elif c.returns_deadline.date() >= c.college_meeting:
        found.append(("returns-deadline-order", "returns_deadline", f"{c.returns_deadline} is not before {c.college_meeting}"))
    return [Breach(rule, field, detail, calendar.decision(rule) if RULES[rule].varies else None) for rule, field, detail in found]


# --- what is due from whom, and when --------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: str
    when: date | datetime
    what: str
    who: str  # from whom it is due, or who acts
    items: str

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.when, datetime):
            return self.when.astimezone(UTC)
        return datetime(self.when.year, self.when.month, self.when.day, tzinfo=UTC)


def events(calendar: Calendar, position: str, bodies: list[str]) -> list[Event]:
    """The timetable in date order: each event, what is due and from whom."""
    c = calendar
    returning = ", ".join(bodies) if bodies else "every affiliate's scrutineer"
    found = [
        Event("announcement", c.announcement, f"The announcement that starts the election of the {position}", "the Party", "3"),
        Event("commencement", c.commencement, "The NEC first meets: the election commences", "the NEC", "3"),
        Event(
            "recruitment-freeze",
            c.recruitment_freeze,
            "Recruitment freeze: members who joined after this day do not vote",
            "every affiliate (its membership roll)",
            "12",
        ),
        Event(
            "notice-sent",
            c.notice_sent,
            "The returns deadline and the Electoral College meeting's date sent to the bodies",
            "the General Secretary",
            "21, 31",
        ),
        Event("nominations-open", c.nominations_open, "MPs' nominations open", "Commons members of the PLP", "5"),
        Event(
            "supporting-papers-sent",
            c.supporting_papers_sent,
            "Supporting-nomination papers sent to the socialist societies",
            "the General Secretary",
            "8",
        ),
        Event("nominations-close", c.nominations_close, "MPs' nominations close", "Commons members of the PLP", "5-7"),
        Event(
            "supporting-close",
            c.supporting_close,
            "Supporting nominations close: on the official form, signed by the Responsible Officer, "
            "with the certified count of full members",
            "CLPs and affiliates",
            "8-10",
        ),
        Event(
            "returns-deadline",
            c.returns_deadline,
            "Returns due at the party's independent scrutineer",
            returning,
            "31",
        ),
        Event(
            "college-meeting",
            c.college_meeting,
            "The Electoral College meeting: the result is declared",
            "the Procedures Committee",
            "21, 28, 32",
        ),
    ]
    return sorted(found, key=lambda e: e.sort_key)


def ics(contest_id: str, timetable: list[Event], stamp: datetime) -> bytes:
    """The timetable's events as an iCalendar file (RFC 5545): whole days as all-day events, deadlines as moments in UTC."""
    from icalendar import Calendar as ICalendar
    from icalendar import Event as IEvent

    document = ICalendar()
    document.add("prodid", "-//college//timetable//EN")
    document.add("version", "2.0")
    document.add("x-wr-calname", f"{contest_id}: timetable")
    for event in timetable:
        entry = IEvent()
        entry.add("uid", f"{contest_id}-{event.id}@college")
        entry.add("dtstamp", stamp.astimezone(UTC))
        start = event.when.astimezone(UTC) if isinstance(event.when, datetime) else event.when
        entry.add("dtstart", start)
        entry.add("summary", event.what)
        entry.add("description", f"Due from / by: {event.who}. Seed 003 item {event.items}.")
        entry.add("categories", [event.id])
        document.add_component(entry)
    return document.to_ical()


class CalendarFile(Model):
    """A contest file read for its [calendar] alone: before the nominations close it has no candidates yet."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    calendar: Calendar


def of(contest) -> tuple[Calendar, list[Event]]:
    """The contest's calendar and its events, the returning bodies named; a contest without one is an error."""
    from college.errors import CollegeError

    if contest.calendar is None:
        raise CollegeError("the contest file has no [calendar] table", field="calendar")
    return contest.calendar, events(contest.calendar, contest.position, [body.name for body in contest.register])
