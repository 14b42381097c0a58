"""The contest's calendar (seed 003 items 3, 5, 8, 12, 21, 31): each rule at its boundary.

Each rule is tried one step inside and one step outside its limit, from a calendar that
keeps every rule; the rules the Procedures Committee may vary pass again with its
recorded decision, and the others do not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar as ICalendar
from pydantic import ValidationError

from college.contest import Contest, load_contest
from college.errors import CollegeError
from college.timetable import RULES, Calendar, breaches, events, ics
from tests.conftest import EXAMPLES

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)

GOOD = {
    "announcement": date(2026, 5, 11),
    "commencement": date(2026, 5, 13),
    "notice_sent": date(2026, 5, 15),
    "nominations_open": datetime.fromisoformat("2026-05-18T09:00:00+01:00"),
    "nominations_close": datetime.fromisoformat("2026-05-25T12:00:00+01:00"),
    "supporting_papers_sent": date(2026, 5, 19),
    "supporting_close": datetime.fromisoformat("2026-06-12T12:00:00+01:00"),
    "recruitment_freeze": date(2026, 5, 13),
    "returns_deadline": datetime.fromisoformat("2026-06-26T12:00:00+01:00"),
    "college_meeting": date(2026, 7, 4),
}


def calendar(**changes) -> Calendar:
    return Calendar.model_validate({**GOOD, **changes})


def rules_broken(**changes) -> list[str]:
    return [b.rule for b in breaches(Calendar.model_construct(**{**GOOD, "decisions": [], **changes}))]


def decision(rule: str) -> dict:
    return {"rule": rule, "decided_on": date(2026, 5, 13), "minute": "Procedures Committee 13 May 2026, minute 3", "text": "agreed"}


def test_a_calendar_that_keeps_every_rule() -> None:
    assert breaches(calendar()) == []


# Each case: (rule, the change just inside the limit, the change just outside it).
BOUNDARIES = [
    # [3] seven weeks from the commencement to the meeting: 7 weeks passes, 7 weeks less a day fails
    ("seven-weeks", {"college_meeting": GOOD["commencement"] + timedelta(weeks=7)},
     {"college_meeting": GOOD["commencement"] + timedelta(weeks=7) - DAY}),
    # [3] the NEC meets after the announcement: the next day passes, the same day fails
    ("commencement-after-announcement",
     {"announcement": date(2026, 5, 12), "supporting_papers_sent": date(2026, 5, 19), "notice_sent": date(2026, 5, 15)},
     {"announcement": date(2026, 5, 13), "supporting_papers_sent": date(2026, 5, 20), "notice_sent": date(2026, 5, 15)}),
    # [5] about a week: 5 days passes, 5 days less a minute fails
    ("nomination-window", {"nominations_close": GOOD["nominations_open"] + 5 * DAY},
     {"nominations_close": GOOD["nominations_open"] + 5 * DAY - MINUTE}),
    # [5] ... and 9 days passes, 9 days and a minute fails
    ("nomination-window", {"nominations_close": GOOD["nominations_open"] + 9 * DAY},
     {"nominations_close": GOOD["nominations_open"] + 9 * DAY + MINUTE}),
    # [3, 5] nominations open on the commencement passes, the day before fails
    ("nominations-open-before-commencement",
     {"nominations_open": datetime.fromisoformat("2026-05-13T00:00:00+01:00"),
      "nominations_close": datetime.fromisoformat("2026-05-20T00:00:00+01:00")},
     {"nominations_open": datetime.fromisoformat("2026-05-12T23:59:00+01:00"),
      "nominations_close": datetime.fromisoformat("2026-05-19T23:59:00+01:00")}),
    # [8] papers sent 7 days after the announcement passes, 6 fails
    ("supporting-papers-sent", {"supporting_papers_sent": GOOD["announcement"] + 7 * DAY},
     {"supporting_papers_sent": GOOD["announcement"] + 6 * DAY}),
    # [8] ... 10 days passes, 11 fails
    ("supporting-papers-sent", {"supporting_papers_sent": GOOD["announcement"] + 10 * DAY},
     {"supporting_papers_sent": GOOD["announcement"] + 11 * DAY}),
    # [8] supporting nominations close the day after the papers are sent, not the same day
    ("supporting-close-before-sent", {"supporting_close": datetime.fromisoformat("2026-05-20T00:00:00+01:00")},
     {"supporting_close": datetime.fromisoformat("2026-05-19T23:59:00+01:00")}),
    # [12] the freeze is the commencement: a day later fails
    ("recruitment-freeze", {"recruitment_freeze": GOOD["commencement"]},
     {"recruitment_freeze": GOOD["commencement"] + DAY}),
    # [12] ... and a day earlier fails too (members recruited before the commencement vote)
    ("recruitment-freeze", {"recruitment_freeze": GOOD["commencement"]},
     {"recruitment_freeze": GOOD["commencement"] - DAY}),
    # [21, 31] notice within 10 days of the announcement: 10 passes, 11 fails
    ("notice-sent", {"notice_sent": GOOD["announcement"] + 10 * DAY}, {"notice_sent": GOOD["announcement"] + 11 * DAY}),
    # [21, 31] ... on the day of the announcement passes, the day before fails
    ("notice-sent", {"notice_sent": GOOD["announcement"]}, {"notice_sent": GOOD["announcement"] - DAY}),
    # [28, 31] returns due the day before the meeting pass, on the day fail
    ("returns-deadline-order", {"returns_deadline": datetime.fromisoformat("2026-07-03T23:59:00+01:00")},
     {"returns_deadline": datetime.fromisoformat("2026-07-04T00:00:00+01:00")}),
    # [31] ... and after the supporting nominations close, not at the same moment
    ("returns-deadline-order", {"returns_deadline": GOOD["supporting_close"] + MINUTE},
     {"returns_deadline": GOOD["supporting_close"]}),
]


@pytest.mark.parametrize(("rule", "inside", "outside"), BOUNDARIES, ids=[f"{b[0]}-{i}" for i, b in enumerate(BOUNDARIES)])
def test_each_rule_at_its_boundary(rule: str, inside: dict, outside: dict) -> None:
    assert rules_broken(**inside) == []
    calendar(**inside)
    assert rules_broken(**outside) == [rule]
    with pytest.raises(ValidationError, match=rf"\[{rule}\]"):
        calendar(**outside)


@pytest.mark.parametrize("rule", [r.id for r in RULES.values() if r.varies])
def test_a_recorded_committee_decision_varies_a_rule_that_varies(rule: str) -> None:
    outside = next(b[2] for b in BOUNDARIES if b[0] == rule)
    with pytest.raises(ValidationError, match="needs a recorded decision of the Procedures Committee"):
        calendar(**outside)
    varied = calendar(**outside, decisions=[decision(rule)])
    [breach] = breaches(varied)
    assert breach.rule == rule and breach.decision.minute.startswith("Procedures Committee")


def test_a_decision_for_another_rule_does_not_cover_a_breach() -> None:
    short = {"college_meeting": GOOD["commencement"] + timedelta(weeks=7) - DAY}
    with pytest.raises(ValidationError, match=r"\[seven-weeks\]"):
        calendar(**short, decisions=[decision("nomination-window")])


def test_one_decision_per_rule() -> None:
    with pytest.raises(ValidationError, match="two decisions vary 'seven-weeks'"):
        calendar(decisions=[decision("seven-weeks"), decision("seven-weeks")])


@pytest.mark.parametrize("rule", [r.id for r in RULES.values() if not r.varies])
def test_no_decision_changes_the_order_of_events(rule: str) -> None:
    with pytest.raises(ValidationError, match="not a rule the committee may vary"):
        calendar(decisions=[decision(rule)])


def test_a_contest_with_a_calendar_takes_its_deadline_from_it() -> None:
    base = load_contest(EXAMPLES / "2010-leader" / "contest.toml").model_dump(mode="json", exclude_none=True)
    assert load_contest(EXAMPLES / "2010-leader" / "contest.toml").deadline == datetime.fromisoformat(
        "2010-09-22T17:00:00+01:00"
    )
    with pytest.raises(ValidationError, match="its deadline is calendar.returns_deadline"):
        Contest.model_validate({**base, "returns_deadline": "2010-09-22T17:00:00+01:00"})


def test_a_bad_calendar_is_one_line_naming_the_file_and_the_rule(tmp_path) -> None:
    text = (EXAMPLES / "2010-leader" / "contest.toml").read_text(encoding="utf-8")
    bad = tmp_path / "contest.toml"
    bad.write_text(text.replace("college_meeting = 2010-09-25", "college_meeting = 2010-06-01"), encoding="utf-8")
    with pytest.raises(CollegeError) as caught:
        load_contest(bad)
    message = str(caught.value)
    assert message.startswith(f"{bad}: calendar") and "[seven-weeks]" in message and "\n" not in message


def test_events_are_in_date_order_and_say_who_owes_what() -> None:
    found = events(calendar(), "Leader", ["Example Union", "Example Society"])
    assert [e.sort_key for e in found] == sorted(e.sort_key for e in found)
    returns = next(e for e in found if e.id == "returns-deadline")
    assert returns.who == "Example Union, Example Society"
    assert found[-1].id == "college-meeting"


def test_the_ics_file_reads_back_the_same_dates() -> None:
    cal = calendar()
    stamp = datetime(2026, 5, 13, 10, 0, tzinfo=UTC)
    timetable = events(cal, "Leader", ["Example Union"])
    parsed = ICalendar.from_ical(ics("2026-leader", timetable, stamp))
    read = {str(e["categories"].cats[0]): e.decoded("dtstart") for e in parsed.walk("VEVENT")}
    expected = {e.id: e.when for e in timetable}
    assert read == expected
    assert len(read) == 10
    # deadlines are moments (compared as instants), days are whole days
    assert isinstance(read["returns-deadline"], datetime) and read["returns-deadline"].utcoffset() == timedelta(0)
    assert type(read["college-meeting"]) is date


def test_the_timetable_command_prints_the_dates_and_writes_the_ics(tmp_path) -> None:
    from typer.testing import CliRunner

    from college.cli import app

    target = tmp_path / "2010.ics"
    ran = CliRunner().invoke(app, ["timetable", str(EXAMPLES / "2010-leader" / "contest.toml"), "--ics", str(target)], env={"COLUMNS": "200"})
    assert ran.exit_code == 0, ran.output
    assert "2010-06-09T12:30:00+01:00" in ran.output and "MPs' nominations close" in ran.output
    assert "varied [nomination-window]" in ran.output and "NEC, 18 May 2010" in ran.output
    starts = {str(e["categories"].cats[0]): e.decoded("dtstart") for e in ICalendar.from_ical(target.read_bytes()).walk("VEVENT")}
    assert starts["college-meeting"] == date(2010, 9, 25)
    assert starts["nominations-close"] == datetime.fromisoformat("2010-06-09T12:30:00+01:00")


def test_a_contest_without_a_calendar_is_one_line() -> None:
    from typer.testing import CliRunner

    from college.cli import app

    ran = CliRunner().invoke(app, ["timetable", str(EXAMPLES.parent / "tests" / "data" / "smallest_contest.toml")])
    assert ran.exit_code == 2
    assert ran.output.strip().endswith("calendar: the contest file has no [calendar] table")
