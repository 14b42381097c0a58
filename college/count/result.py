"""The result of a count, as written to JSON and shown to the committee (DESIGN.md, Result)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Literal

from pydantic import Field

from college.contest import TieMethod
from college.model import Model, Name
from college.count.shares import exact, percent, table_percents


class Share(Model):
    """A share of a section or of the college: exact, and rounded for display."""

    exact: str = Field(description='the exact fraction of one, "numerator/denominator" or a whole number')
    percent: str = Field(
        description="as a percentage to the contest's published places, rounded by its display rule "
        "(half up, or largest remainder over the table the share belongs to)"
    )

    @classmethod
    def of(cls, value: Fraction, places: int) -> Share:
        return cls(exact=exact(value), percent=percent(value, places))

    @classmethod
    def table(cls, values: Mapping[str, Fraction], places: int, rounding: str) -> dict[str, Share]:
        """A table's shares, each shown as the contest's display rule rounds the table."""
        shown = table_percents(values, places, rounding)
        return {name: cls(exact=exact(value), percent=shown[name]) for name, value in values.items()}

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.exact)


class CategoryRound(Model):
    """One voter category's papers in one round: counted in the section's one pool, shown apart."""

    id: str
    name: str
    valid: int = Field(description="the category's papers counting for a continuing candidate this round")
    non_transferable: int = Field(description="the category's papers with no continuing candidate left")
    votes: dict[str, int]
    shares: dict[str, Share] = Field(description="each candidate's share of the category's valid votes")


class SectionRound(Model):
    """One section in one round (seed 003 item 24: totals as percentages of the section)."""

    id: str
    name: str
    weight: str
    valid: int = Field(description="papers counting for a continuing candidate this round")
    non_transferable: int = Field(description="papers with no continuing candidate left, discounted (item 26)")
    votes: dict[str, int]
    shares: dict[str, Share]
    note: str | None = None
    categories: list[CategoryRound] = Field(
        default_factory=list, description="the section's voter categories, as the party published them in 2015 and 2020"
    )


class TieBreak(Model):
    round: int
    tied: list[str] = Field(description="candidates tied for the lowest college share")
    method: TieMethod = Field(description="the method of the tie policy that settled it")
    eliminated: str
    detail: str = Field(description="how the method settled it, enough to check or reproduce")


class TieDecision(Model):
    """The Procedures Committee's decision on a tie referred to it (tie policy `refer`)."""

    round: int = Field(ge=1)
    eliminate: Name
    decided_by: Name = "Procedures Committee"
    note: str = ""


class DecisionNeeded(Model):
    round: int
    tied: list[str]
    message: str


class Round(Model):
    number: int
    continuing: list[str]
    sections: list[SectionRound]
    college: dict[str, Share] = Field(description="each continuing candidate's weighted college share (item 23)")
    unallocated: Share | None = Field(
        default=None, description="weight of sections with no valid votes this round: it goes to nobody"
    )
    elected: str | None = None
    eliminated: list[str] = Field(default_factory=list)
    batch: bool = Field(default=False, description="several eliminated at once by the eliminating-ballot rule")
    tie_break: TieBreak | None = None


class CategorySummary(Model):
    id: str
    name: str
    papers: int = Field(description="the category's papers entering the count in round 1")
    blank: int = Field(description="the category's papers with no preference marked: spoilt, never counted")


class SectionSummary(Model):
    id: str
    name: str
    weight: str
    papers: int = Field(description="papers entering the count in round 1")
    blank: int = Field(description="papers with no preference marked: spoilt, never counted")
    votes_label: str = Field(
        default="votes", description='what the section\'s figures count: "votes", or "block votes (thousands)" and the like'
    )
    categories: list[CategorySummary] = Field(default_factory=list)


class Result(Model):
    contest: str
    position: str
    status: Literal["elected", "unopposed", "decision-needed"]
    winner: str | None
    candidates: list[str]
    has_college: bool = Field(
        default=True, description="false in a one-member-one-vote contest: a share is a share of all votes, not of a college"
    )
    sections: list[SectionSummary]
    rounds: list[Round]
    tie_breaks: list[TieBreak] = Field(default_factory=list)
    decision_needed: DecisionNeeded | None = None
    notes: list[str] = Field(default_factory=list)
