"""Who may vote in a one-member-one-vote contest: eligibility by voter category.

The contest file sets each category's rules (college/contest.py, `Category`): a freeze
date for members (the 2016 contest went to court over it: members who joined after
12 January 2016 could not vote as members) and a registration window for supporters
(registered supporters in 2016 applied between 5pm on 18 July and 5pm on 20 July). A
roll of the party's voters is checked against them here: each voter is eligible, or
refused with the rule that refuses them, and the eligible count of each category is the
certified count its ballots' returns must carry (the register's bodies of a category
certify, together, the category's `electorate`).

The roll is a CSV file with the columns `voter` (an id), `category`, `joined` (when the
voter joined the party, or for an affiliated supporter the affiliate) and `registered`
(when they registered as a supporter), each moment a date (2016-01-12) or a date-time
with its offset (2016-07-18T17:00:00+01:00). When either the voter's moment or the limit
is only a date, the two are compared as dates: a whole day is inside a limit on that day.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from typing import Annotated

from pydantic import Field

from college.contest import Category, Contest, Moment
from college.errors import CollegeError
from college.model import Model

COLUMNS = ("voter", "category", "joined", "registered")


class Voter(Model):
    """A row of the roll (CSV columns of the same names)."""

    voter: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="the voter's id on the party's roll")
    category: str = Field(description="the id of the voter's category in the contest file")
    joined: Moment | None = Field(default=None, description="joined the party (or the affiliate): a date, or a date-time with offset")
    registered: Moment | None = Field(default=None, description="registered as a supporter: a date, or a date-time with offset")


def _day(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def at_or_before(moment: Moment, limit: Moment) -> bool:
    if isinstance(moment, datetime) and isinstance(limit, datetime):
        return moment <= limit
    return _day(moment) <= _day(limit)


def at_or_after(moment: Moment, limit: Moment) -> bool:
    if isinstance(moment, datetime) and isinstance(limit, datetime):
        return moment >= limit
    return _day(moment) >= _day(limit)


def refusal(category: Category, voter: Voter) -> str | None:
    """Why this voter may not vote in this category, naming the contest file's rule; None if they may."""
    if category.joined_by is not None:
        if voter.joined is None:
            return f"no joining date on the roll, and {category.id} has a freeze date (joined_by)"
        if not at_or_before(voter.joined, category.joined_by):
            return f"joined {voter.joined.isoformat()}, after the freeze date {category.joined_by.isoformat()} (joined_by)"
    if category.registration_opens is not None or category.registration_closes is not None:
        if voter.registered is None:
            return f"no registration date on the roll, and {category.id} has a registration window"
        opens, closes = category.registration_opens, category.registration_closes
        if opens is not None and not at_or_after(voter.registered, opens):
            return (
                f"registered {voter.registered.isoformat()}, before the registration window opened "
                f"{opens.isoformat()} (registration_opens)"
            )
        if closes is not None and not at_or_before(voter.registered, closes):
            return (
                f"registered {voter.registered.isoformat()}, after the registration window closed "
                f"{closes.isoformat()} (registration_closes)"
            )
    return None


@dataclass
class Electorate:
    """A roll checked: each category's eligible voters, and every refusal with its rule."""

    eligible: dict[str, int]
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (voter, category, why)

    def refused_by_category(self) -> dict[str, int]:
        counts = Counter(category for _, category, _ in self.refused)
        return {category: counts.get(category, 0) for category in self.eligible}


def check(contest: Contest, voters: list[Voter]) -> Electorate:
    categories = {c.id: c for c in contest.categories}
    if not categories:
        raise CollegeError("the contest has no voter categories, so no roll to check", field="categories")
    electorate = Electorate(eligible=dict.fromkeys(categories, 0))
    for voter in voters:
        category = categories.get(voter.category)
        why = (
            f"{voter.category!r} is not a voter category of the contest ({', '.join(categories)})"
            if category is None
            else refusal(category, voter)
        )
        if why is None:
            electorate.eligible[voter.category] += 1
        else:
            electorate.refused.append((voter.voter, voter.category, why))
    return electorate


def _moment(text: str, file: str, line: int, column: str) -> Moment | None:
    text = text.strip()
    if not text:
        return None
    where = f"line {line}, {column}"
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        raise CollegeError(f"{text!r} is not a date or a date-time with its offset", file=file, field=where) from None
    if isinstance(moment, datetime) and moment.utcoffset() is None:
        raise CollegeError(f"{text!r} needs a time zone offset (or give a date)", file=file, field=where)
    return moment


def read_roll(path: str | Path) -> list[Voter]:
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("voter", "category") if c not in (reader.fieldnames or [])]
        if missing:
            raise CollegeError(f"the roll needs the columns {', '.join(COLUMNS)}; {missing[0]!r} is missing", file=str(path))
        voters = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            if not (row.get("voter") or "").strip():
                raise CollegeError("a voter id is needed", file=str(path), field=f"line {line}, voter")
            # One person, one vote: a voter listed twice (in one category or two) would count twice.
            if row["voter"].strip() in seen:
                raise CollegeError(f"{row['voter'].strip()!r} is on the roll more than once", file=str(path), field=f"line {line}, voter")
            seen.add(row["voter"].strip())
            voters.append(
                Voter(
                    voter=row["voter"].strip(),
                    category=(row.get("category") or "").strip(),
                    joined=_moment(row.get("joined") or "", str(path), line, "joined"),
                    registered=_moment(row.get("registered") or "", str(path), line, "registered"),
                )
            )
    return voters
