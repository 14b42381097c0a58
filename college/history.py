"""History: the party's published results, counted again and compared figure by figure.

Each example under `examples/history/<contest>/` (its README.md says more) holds a contest
file, the papers (a profile per section, or per voter category in a one-member-one-vote
contest) and `published.json`, every figure the party published at its published
precision. `compare` counts the papers and sets each published figure beside the one the
count shows, so a historian or the Procedures Committee can see that the engine reproduces
the party's own counts: 1981-1993 colleges with block votes, the thirds of 1994-2010, and the
one-member-one-vote contests since 2015.

A published figure carries the rule it was rounded by: `half-up`, `largest-remainder` (over
the table it belongs to, so the table adds to 100) or `truncate`. Where published figures
contradict one another, the contradicted ones are listed apart: the count must show
something else for them, or the contradiction is not real.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from typing import Annotated, Literal

from pydantic import Field, ValidationError

from college import strict_json
from college.contest import Contest, load_contest
from college.count.rules import count, parts_of
from college.errors import CollegeError, from_validation_error
from college.model import Identifier, Model, Name
from college.profile import Profile, read_profile
from college.count.result import Result
from college.count.shares import HALF_UP, LARGEST_REMAINDER, percent, table_percents

PUBLISHED = "published.json"
SHARED = "shared:"  # a profile read from the shared history data, not kept in the repository
TRUNCATE = "truncate"


# --- published.json ------------------------------------------------------------------------

Rule = Literal["half-up", "largest-remainder", "truncate"]
Cell = Annotated[tuple[str, Rule], Field(description='a published figure as printed, such as "50.65", and its rounding rule')]
Count = Annotated[int, Field(ge=0)]


class PartFigures(Model):
    """A section's or a voter category's published figures in one round."""

    published: bool = Field(default=True, description="false: its votes were chosen to fit the percentages (reconstruct.py)")
    valid: Count
    votes: dict[Name, Count] = Field(default_factory=dict)
    non_transferable: Count | None = None
    share: dict[Name, Cell] = Field(default_factory=dict, description="% of the section's (or category's) valid votes")
    contribution: dict[Name, Cell] = Field(default_factory=dict, description="the section's part of the college share, %")
    real: bool = Field(
        default=False, description="counted from the real papers the party published (the 2010 PLP ballots)"
    )


class RoundFigures(Model):
    number: int = Field(ge=1)
    continuing: list[Name]
    elected: Name | None = None
    eliminated: Name | None = None
    votes_total: dict[Name, Count] = Field(default_factory=dict, description="a candidate's votes over every section")
    college: dict[Name, Cell] = Field(description="college shares, or shares of all votes where there is no college")
    sections: dict[Identifier, PartFigures]
    categories: dict[Identifier, PartFigures] = Field(default_factory=dict)


class SectionFigures(Model):
    id: Identifier
    name: Name
    weight: str
    profile: str | None = Field(default=None, description='"shared:FILE": real papers read from the shared history data')


class Contradiction(Model):
    cell: str = Field(description='the figure, as "round N <table> <candidate>"')
    published: str
    source: str


class PublishedFigures(Model):
    """Every figure the party published of one contest (examples/history/<contest>/published.json)."""

    contest: Identifier
    position: Name
    candidates: list[Name]
    sections: list[SectionFigures]
    categories: list[Identifier] = Field(default_factory=list)
    winner: Name
    rounds: list[RoundFigures]
    contradictions: list[Contradiction] = Field(
        default_factory=list, description="published figures the others contradict (SOURCES.md gives the arithmetic)"
    )


# --- the examples ---------------------------------------------------------------------------


def examples_folder() -> Path:
    """The history examples of this checkout (examples/history beside the package)."""
    return Path(__file__).resolve().parents[1] / "examples" / "history"


def shared_data() -> Path:
    """Where published real ballots live: $COLLEGE_HISTORY_DATA, else ../shared/data/history."""
    configured = os.environ.get("COLLEGE_HISTORY_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data" / "history"


@dataclass(frozen=True)
class Example:
    id: str
    folder: Path
    contest: Contest
    published: dict

    @property
    def rounds(self) -> int:
        return len(self.published["rounds"])

    @property
    def reconstructed(self) -> str:
        """How many of the sections' votes were chosen to fit the published percentages: none, partly, all."""
        flags = [cell.get("published", True) for r in self.published["rounds"] for cell in r["sections"].values()]
        return "none" if all(flags) else "all" if not any(flags) else "partly"

    def profile_path(self, part: str) -> Path:
        source = next((s.get("profile") for s in self.published["sections"] if s["id"] == part), None)
        if source and source.startswith(SHARED):
            return shared_data() / source.removeprefix(SHARED)
        return self.folder / f"{part}.json"


def examples(folder: Path | None = None) -> list[Example]:
    folder = folder or examples_folder()
    if not folder.is_dir():
        raise CollegeError("no history examples here", file=str(folder))
    return [load_example(path.parent) for path in sorted(folder.glob(f"*/{PUBLISHED}"))]


def load_example(folder: Path) -> Example:
    contest = load_contest(folder / "contest.toml")
    path = folder / PUBLISHED
    try:
        published = strict_json.loads(path.read_bytes(), file=str(path), known=strict_json.model_fields(PublishedFigures))
        PublishedFigures.model_validate(published)
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    except json.JSONDecodeError as error:
        raise CollegeError(f"not JSON ({error.msg}, line {error.lineno})", file=str(path)) from None
    except ValidationError as error:
        raise from_validation_error(error, file=str(path)) from None
    if published.get("contest") != contest.id:
        raise CollegeError(f"names contest {published.get('contest')!r}, the contest file {contest.id!r}", file=str(path), field="contest")
    return Example(id=contest.id, folder=folder, contest=contest, published=published)


def find_example(name: str, folder: Path | None = None) -> Example:
    found = {example.id: example for example in examples(folder)}
    if name not in found:
        raise CollegeError(f"no history example {name!r} (there are: {', '.join(found)})", field="example")
    return found[name]


def count_example(example: Example) -> Result:
    profiles: dict[str, Profile] = {}
    for section in example.contest.sections:
        for part in parts_of(example.contest, section):
            path = example.profile_path(part)
            if not path.is_file():
                raise CollegeError(
                    "the papers of this example are not here (set COLLEGE_HISTORY_DATA to the folder that holds them)",
                    file=str(path),
                )
            profiles[part] = read_profile(path, example.contest)
    return count(example.contest, profiles)


@dataclass(frozen=True)
class Figure:
    """One published figure beside the count's."""

    round: int
    label: str  # e.g. "members share Keir Starmer", "college Ed Miliband", "plp votes Ed Balls"
    published: str
    counted: str  # the count's figure, at the published precision and by the published rule
    exact: Fraction | None  # the exact percentage (None for a vote count)
    rule: str
    contradicted: bool = False  # listed as contradicted by the other published figures
    source: str = ""
    reconstructed: bool = False  # a vote nobody published, chosen to fit the percentages: realised, not history

    @property
    def agrees(self) -> bool:
        """A figure agrees when the count shows it; a contradicted one when the count does not."""
        if self.contradicted:
            return self.counted != self.published
        if self.rule == TRUNCATE:  # only truncation, not half-up rounding, shows it (the 2007 cells)
            return self.counted == self.published and self.exact is not None and half_up(self.exact, places(self.published)) != self.published
        return self.counted == self.published


def places(figure: str) -> int:
    return len(figure.partition(".")[2])


def half_up(value: Fraction, digits: int) -> str:
    """A percentage (already in %) rounded half up."""
    return percent(value / 100, digits)


def truncated(value: Fraction, digits: int) -> str:
    whole = math.floor(value * 10**digits)
    text = str(whole).rjust(digits + 1, "0")
    return f"{text[:-digits]}.{text[-digits:]}" if digits else text


def _shown(values: dict[str, Fraction], name: str, figure: str, rule: str) -> str:
    """How the count's exact percentage shows at the figure's precision, by the figure's rule."""
    digits = places(figure)
    if rule == TRUNCATE:
        return truncated(values[name], digits)
    if rule == LARGEST_REMAINDER:
        return table_percents({n: v / 100 for n, v in values.items()}, digits, LARGEST_REMAINDER)[name]
    if rule == HALF_UP:
        return half_up(values[name], digits)
    raise CollegeError(f"unknown rounding rule {rule!r}", field="published")


def _tables(example: Example, result: Result, number: int) -> dict[str, dict[str, Fraction]]:
    """Every table of a round the count shows, as exact percentages, by the published labels."""
    round_ = result.rounds[number - 1]
    weights = {s.id: s.fraction for s in example.contest.sections}
    tables = {"college": {name: share.fraction * 100 for name, share in round_.college.items()}}
    for section in round_.sections:
        shares = {name: s.fraction * 100 for name, s in section.shares.items()}
        tables[f"{section.id} share"] = shares
        tables[f"{section.id} contribution"] = {name: v * weights[section.id] for name, v in shares.items()}
        for category in section.categories:
            tables[f"{category.id} share"] = {name: s.fraction * 100 for name, s in category.shares.items()}
    return tables


def _displayed(example: Example, result: Result, number: int) -> dict[str, tuple[int, dict[str, str]]]:
    """The figures the count itself displays (places and rule from the contest file), by table."""
    display = example.contest.display
    round_ = result.rounds[number - 1]
    shown = {"college": (display.college_decimals, {n: s.percent for n, s in round_.college.items()})}
    for section in round_.sections:
        shown[f"{section.id} share"] = (display.section_decimals, {n: s.percent for n, s in section.shares.items()})
        for category in section.categories:
            shown[f"{category.id} share"] = (display.category_places, {n: s.percent for n, s in category.shares.items()})
    return shown


def _votes(result: Result, number: int) -> dict[str, tuple[dict[str, int], int]]:
    round_ = result.rounds[number - 1]
    found = {s.id: (s.votes, s.valid) for s in round_.sections}
    found.update({c.id: (c.votes, c.valid) for s in round_.sections for c in s.categories})
    return found


def compare(example: Example, result: Result) -> list[Figure]:
    """Every published figure beside the count's (votes, shares, contributions, college shares,
    each round's outcome), then the figures the sources contradict."""
    figures: list[Figure] = []
    published = example.published
    if len(result.rounds) != len(published["rounds"]):
        figures.append(Figure(0, "rounds", str(len(published["rounds"])), str(len(result.rounds)), None, "count"))
        return figures
    figures.append(Figure(0, "winner", published["winner"], str(result.winner), None, "name"))
    for table in published["rounds"]:
        n = table["number"]
        round_ = result.rounds[n - 1]
        figures.append(Figure(n, "continuing", ", ".join(table["continuing"]), ", ".join(round_.continuing), None, "names"))
        outcome = f"elected {table['elected']}" if "elected" in table else f"eliminated {table['eliminated']}"
        counted = f"elected {round_.elected}" if round_.elected else f"eliminated {', '.join(round_.eliminated)}"
        figures.append(Figure(n, "outcome", outcome, counted, None, "names"))
        exact = _tables(example, result, n)
        displayed = _displayed(example, result, n)
        votes = _votes(result, n)
        dropped = {s.id: s.non_transferable for s in round_.sections}
        dropped.update({c.id: c.non_transferable for s in round_.sections for c in s.categories})
        cells = {"college": table["college"]}
        for part_id, cell in {**table["sections"], **table.get("categories", {})}.items():
            counted_votes, counted_valid = votes[part_id]
            chosen = not cell.get("published", True)
            figures.append(Figure(n, f"{part_id} valid", str(cell["valid"]), str(counted_valid), None, "count", reconstructed=chosen))
            if "non_transferable" in cell:
                figures.append(
                    Figure(n, f"{part_id} non-transferable", str(cell["non_transferable"]), str(dropped[part_id]), None, "count")
                )
            for name, v in cell.get("votes", {}).items():
                figures.append(
                    Figure(n, f"{part_id} votes {name}", str(v), str(counted_votes[name]), None, "count", reconstructed=chosen)
                )
            cells[f"{part_id} share"] = cell.get("share", {})
            cells[f"{part_id} contribution"] = cell.get("contribution", {})
        for kind, entries in cells.items():
            for name, (figure, rule) in entries.items():
                digits, engine = displayed.get(kind, (None, {}))
                if digits == places(figure) and rule != TRUNCATE:
                    counted = engine[name]  # the count's own display, by the contest's rule, must show it
                else:
                    counted = _shown(exact[kind], name, figure, rule)
                figures.append(Figure(n, f"{kind} {name}", figure, counted, exact[kind][name], rule))
    rule = example.contest.display.rounding.value
    for entry in published.get("contradictions", []):
        number, _, label = entry["cell"].removeprefix("round ").partition(" ")
        tables = _tables(example, result, int(number))
        kind = next((k for k in tables if label.startswith(f"{k} ") and label.removeprefix(f"{k} ") in tables[k]), None)
        if kind is None:
            raise CollegeError(f"names no figure the count shows: {entry['cell']!r}", file=PUBLISHED, field="contradictions")
        values, name = tables[kind], label.removeprefix(f"{kind} ")
        figures.append(
            Figure(
                int(number), label, entry["published"], _shown(values, name, entry["published"], rule), values[name],
                rule, contradicted=True, source=entry["source"],
            )
        )
    return figures
