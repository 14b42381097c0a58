"""Preference profiles: the papers of one section, compressed to distinct rankings with counts.

A paper is a sequence of preferences. Each preference holds the names marked at that
place: one name, none (a skipped preference) or several (an overvote). How such papers
are read is the contest's `ballots` rules, applied by the count, not here: this module
only reads files faithfully and checks that every name is one the contest knows.

Files read: the profile JSON of DESIGN.md (a preference may also be null for a skipped
one, or a list of names for an overvote), ballot-level CSV with columns rank1..rankN and
an optional count, and Parquet with the same columns. Ballot-level data is grouped by
polars into distinct rankings before anything else looks at it, so ten million papers
cost little more than their distinct rankings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from college.contest import Contest
from college.errors import CollegeError, from_validation_error

Mark = tuple[str, ...]  # the names marked at one preference
Ranking = tuple[Mark, ...]


@dataclass(frozen=True)
class Profile:
    """Distinct rankings with how many papers carry each.

    `blank` counts papers with no preference marked at all: they are spoilt and never
    enter the count (seed 003 item 26), but are kept so that nothing is silently lost.
    """

    rankings: Mapping[Ranking, int] = field(default_factory=dict)
    blank: int = 0

    @property
    def papers(self) -> int:
        return sum(self.rankings.values())

    def __add__(self, other: Profile) -> Profile:
        merged = Counter(self.rankings)
        merged.update(other.rankings)
        return Profile(dict(merged), self.blank + other.blank)


def combine(profiles: Iterable[Profile]) -> Profile:
    """Sum several files of one section (one per affiliate, say): one person one vote."""
    rankings: Counter = Counter()
    blank = 0
    for profile in profiles:  # one running sum: each file's rankings are added once
        rankings.update(profile.rankings)
        blank += profile.blank
    return Profile(dict(rankings), blank)


def from_rows(rows: Iterable[tuple[Ranking, int]]) -> Profile:
    """A profile from (ranking, count) pairs; trailing skipped preferences are dropped."""
    rankings: Counter = Counter()
    blank = 0
    for ranking, count in rows:
        ranking = _trim(ranking)
        if ranking:
            rankings[ranking] += count
        else:
            blank += count
    return Profile(dict(rankings), blank)


def _trim(ranking: Ranking) -> Ranking:
    end = len(ranking)
    while end and not ranking[end - 1]:
        end -= 1
    return tuple(ranking[:end])


# --- the profile JSON -----------------------------------------------------------------

PreferenceEntry = str | list[str] | None


class BallotRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ranking: list[PreferenceEntry] = Field(
        description="preferences in order: a name, null or \"\" for a skipped preference, a list of names for an overvote"
    )
    count: Annotated[StrictInt, Field(ge=1)] = 1


class ProfileFile(BaseModel):
    """The preference profile file exchanged with users (DESIGN.md)."""

    model_config = ConfigDict(extra="forbid")

    candidates: list[str]
    ballots: list[BallotRow]


def _entry_mark(entry: PreferenceEntry) -> Mark:
    if entry is None or entry == "":
        return ()
    if isinstance(entry, str):
        return (entry,)
    return tuple(entry)


def profile_from_file(data: ProfileFile) -> Profile:
    """A profile file already checked against the contest (a sealed tally's, say) as a profile."""
    return from_rows((tuple(_entry_mark(entry) for entry in row.ranking), row.count) for row in data.ballots)


def read_profile_json(path: Path, contest: Contest) -> Profile:
    try:
        raw = path.read_bytes()
        data = ProfileFile.model_validate_json(raw)
    except ValidationError as error:
        raise from_validation_error(error, file=str(path)) from None
    names = _Names(contest, str(path))
    for name in data.candidates:
        names.check(name, "candidates")
    rows = []
    for index, row in enumerate(data.ballots):
        ranking = tuple(_entry_mark(entry) for entry in row.ranking)
        for mark in ranking:
            for name in mark:
                names.check(name, f"ballots[{index}].ranking")
        rows.append((ranking, row.count))
    return from_rows(rows)


def profile_json(profile: Profile, contest: Contest) -> dict:
    """The profile as the JSON users exchange; rankings in a stable order."""

    def entry(mark: Mark) -> PreferenceEntry:
        return None if not mark else mark[0] if len(mark) == 1 else list(mark)

    ballots = [
        {"ranking": [entry(mark) for mark in ranking], "count": count}
        for ranking, count in sorted(profile.rankings.items(), key=lambda item: (-item[1], item[0]))
    ]
    ballots += [{"ranking": [], "count": profile.blank}] if profile.blank else []
    return {"candidates": list(contest.candidates), "ballots": ballots}


# --- ballot-level CSV and Parquet -----------------------------------------------------


def _scan(path: Path) -> pl.LazyFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pl.scan_parquet(path)
        return pl.scan_csv(path, infer_schema=False)
    except Exception as error:  # polars raises several kinds for an unreadable file
        raise CollegeError(f"cannot read the file ({type(error).__name__})", file=str(path)) from None


def _rank_columns(path: Path, columns: list[str]) -> tuple[list[str], bool]:
    if not columns:
        raise CollegeError("the file is empty: expected a header with rank1..rankN", file=str(path))
    rank_columns = [c for c in columns if c.startswith("rank")]
    expected = [f"rank{i}" for i in range(1, len(rank_columns) + 1)]
    if not rank_columns:
        raise CollegeError("no preference columns: expected rank1..rankN", file=str(path), field="header")
    if rank_columns != expected:
        raise CollegeError(
            f"preference columns must be rank1..rank{len(rank_columns)} in order, got {', '.join(rank_columns)}",
            file=str(path),
            field="header",
        )
    other = [c for c in columns if c not in rank_columns and c != "count"]
    if other:
        raise CollegeError(
            f"unexpected column {other[0]!r}: only rank1..rankN and count are read", file=str(path), field="header"
        )
    return rank_columns, "count" in columns


def read_ballot_table(path: Path, contest: Contest) -> Profile:
    """Ballot-level CSV or Parquet: one row per paper, or per group of papers with `count`."""
    frame = _scan(path)
    row_label = "line" if path.suffix.lower() != ".parquet" else "row"
    first_row = 2 if row_label == "line" else 1  # a CSV's header is line 1
    try:
        columns = frame.collect_schema().names()
    except pl.exceptions.NoDataError:
        columns = []
    except Exception as error:
        raise CollegeError(f"cannot read the file ({type(error).__name__})", file=str(path)) from None
    rank_columns, has_count = _rank_columns(path, columns)

    ranks = [
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in rank_columns
    ]
    if has_count:
        counts = pl.col("count").cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
        frame = frame.with_columns(*ranks, counts.alias("count"), pl.col("count").cast(pl.String).alias("_raw_count"))
        bad = (
            frame.with_row_index("_row")
            .filter(pl.col("count").is_null() | (pl.col("count") < 1))
            .select("_row", "_raw_count")
            .head(1)
            .collect()
        )
        if bad.height:
            row, raw = bad.row(0)
            raise CollegeError(
                f"{row_label} {row + first_row}: count must be a whole number of papers, at least 1 (got {raw!r})",
                file=str(path),
                field="count",
            )
        grouped = frame.group_by(rank_columns).agg(pl.col("count").sum().alias("n"))
    else:
        # Group the raw cells first, so the clean-up runs on distinct rows rather than on
        # every paper; rows that only differ in spacing meet again in the second group_by.
        grouped = (
            frame.group_by(rank_columns)
            .agg(pl.len().alias("n"))
            .with_columns(*ranks)
            .group_by(rank_columns)
            .agg(pl.col("n").sum())
        )
    try:
        distinct = grouped.collect()
    except Exception as error:
        raise CollegeError(f"cannot read the file ({type(error).__name__}: {error})", file=str(path)) from None

    names = _Names(contest, str(path))
    marks: dict[str | None, Mark] = {None: ()}
    for column in rank_columns:
        for cell in distinct.get_column(column).unique(maintain_order=True).to_list():
            if cell not in marks:
                mark = _cell_mark(cell, contest)
                bad_name = next((n for n in mark if not names.known(n)), None)
                if bad_name is not None:
                    row = _first_row_with(frame, column, cell)
                    names.check(bad_name, f"{row_label} {row + first_row}, {column}")
                marks[cell] = mark
    return _distinct_profile(distinct, rank_columns, marks)


def _distinct_profile(distinct: pl.DataFrame, rank_columns: list[str], marks: dict[str | None, Mark]) -> Profile:
    """Distinct rows to a profile, column by column rather than cell by cell (this is the
    Python part of reading ten million papers).

    Rows are taken in groups cut after the same last marked preference, so each ranking
    is built already trimmed. Where that shortcut does not hold (a cell that reads as no
    mark, or two rows that read as the same ranking, such as an overvote spelt two ways)
    `from_rows` trims and sums them instead.
    """

    def read(frame: pl.DataFrame, columns: list[str]) -> list[list[Mark]]:
        return [[marks[cell] for cell in frame.get_column(c).to_list()] for c in columns]

    if not all(mark for cell, mark in marks.items() if cell is not None):
        return from_rows(zip(zip(*read(distinct, rank_columns)), distinct.get_column("n").to_list()))
    last = pl.max_horizontal(
        pl.when(pl.col(c).is_not_null()).then(place).otherwise(0) for place, c in enumerate(rank_columns, start=1)
    )
    rankings: dict[Ranking, int] = {}
    blank = rows = 0
    for (length,), part in distinct.with_columns(last.alias("_last")).partition_by("_last", as_dict=True).items():
        counts = part.get_column("n").to_list()
        if length == 0:
            blank += sum(counts)
            continue
        rankings.update(zip(zip(*read(part, rank_columns[:length])), counts))
        rows += len(counts)
    if len(rankings) < rows:
        return from_rows(zip(zip(*read(distinct, rank_columns)), distinct.get_column("n").to_list()))
    return Profile(rankings, blank)


def _cell_mark(cell: str, contest: Contest) -> Mark:
    if cell in contest.candidates or cell in contest.excluded:
        return (cell,)
    delimiter = contest.ballots.overvote_delimiter
    if delimiter in cell:
        return tuple(part.strip() for part in cell.split(delimiter) if part.strip())
    return (cell,)


def _first_row_with(frame: pl.LazyFrame, column: str, cell: str) -> int:
    found = frame.with_row_index("_row").filter(pl.col(column) == cell).select("_row").head(1).collect()
    return found.item() if found.height else 0


# --- names ----------------------------------------------------------------------------


class _Names:
    """Checks that a name on a paper is a validly nominated or an excluded (withdrawn) candidate."""

    def __init__(self, contest: Contest, file: str):
        self.allowed = set(contest.candidates) | set(contest.excluded)
        self.file = file

    def known(self, name: str) -> bool:
        return name in self.allowed

    def check(self, name: str, where: str) -> None:
        if name not in self.allowed:
            raise CollegeError(
                f"{name!r} is not a validly nominated candidate of this contest nor an excluded one",
                file=self.file,
                field=where,
            )


def read_profile(path: str | Path, contest: Contest) -> Profile:
    """Read one section file of any supported format."""
    path = Path(path)
    if not path.is_file():
        raise CollegeError("file not found", file=str(path))
    if path.suffix.lower() == ".json":
        return read_profile_json(path, contest)
    if path.suffix.lower() in (".csv", ".parquet"):
        return read_ballot_table(path, contest)
    raise CollegeError("unknown file type: expected .json, .csv or .parquet", file=str(path))


def write_profile_json(profile: Profile, contest: Contest, path: str | Path) -> None:
    Path(path).write_text(json.dumps(profile_json(profile, contest), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
