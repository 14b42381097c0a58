"""Preference profiles: the papers of one section, compressed to distinct rankings with counts.

A paper is a sequence of preferences. Each preference holds the names marked at that
place: one name, none (a skipped preference) or several (an overvote). How such papers
are read is the contest's `ballots` rules (college/ballots.py), applied by the count, not
here: this module only reads files faithfully (a cell as `ballots.mark_of` reads it) and
checks that every name is one the contest knows.

Files read: the profile JSON of DESIGN.md (a preference may also be null for a skipped
one, or a list of names for an overvote), ballot-level CSV with columns rank1..rankN and
an optional count, and Parquet with the same columns. Ballot-level data is grouped by
polars into distinct rankings before anything else looks at it, and those are kept as
numbers (`Columns`) for the count, so ten million papers cost little more than their
distinct rankings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from college import strict_json
from college.ballots import Mark, Ranking, mark_of
from college.contest import Contest
from college.errors import CollegeError, from_validation_error



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
        if isinstance(self.rankings, _TableRankings):
            return self.rankings.columns.papers
        return sum(self.rankings.values())

    def __add__(self, other: Profile) -> Profile:
        merged = Counter(self.rankings)
        merged.update(other.rankings)
        return Profile(dict(merged), self.blank + other.blank)


@dataclass(frozen=True)
class Columns:
    """Distinct rankings as numbers, so that the count can read many papers at once.

    `codes` has a column for each preference, `rank1..rankN`, holding the place in `marks`
    of the mark there (null where unmarked), and `n`, how many papers carry the row. Two
    rows may spell the same ranking (an overvote written two ways); they are simply two
    rows of papers.
    """

    marks: tuple[Mark, ...]
    codes: pl.DataFrame

    @classmethod
    def of(cls, rankings: Mapping[Ranking, int]) -> Columns:
        """Rankings held as tuples (a profile file, a return) as numbers."""
        number: dict[Mark, int] = {}
        depth = max(map(len, rankings), default=0)
        preferences = {
            f"rank{place + 1}": [
                number.setdefault(ranking[place], len(number)) if place < len(ranking) and ranking[place] else None
                for ranking in rankings
            ]
            for place in range(depth)
        }
        codes = pl.DataFrame(
            {**preferences, "n": list(rankings.values())}, schema={**dict.fromkeys(preferences, pl.Int32), "n": pl.Int64}
        )
        return cls(tuple(number), codes)

    @property
    def ranks(self) -> list[str]:
        return self.codes.columns[:-1]

    @property
    def papers(self) -> int:
        return self.codes.get_column("n").sum()

    def _spell(self, codes: tuple[int | None, ...]) -> Ranking:
        return _trim(tuple(() if code is None else self.marks[code] for code in codes))

    def spelt(self, rows: pl.Series) -> list[Ranking]:
        """The rows picked by `rows` (booleans) as the tuples `college.ballots` reads."""
        return [self._spell(codes[:-1]) for codes in self.codes.filter(rows).iter_rows()]

    def rankings(self) -> dict[Ranking, int]:
        """Every row spelt out as tuples, rows that spell the same ranking summed."""
        return from_rows((self._spell(row[:-1]), row[-1]) for row in self.codes.iter_rows()).rankings


class _TableRankings(Mapping):
    """A ballot table's rankings: kept as `Columns`, spelt out as tuples only if asked for."""

    def __init__(self, columns: Columns):
        self.columns = columns

    @cached_property
    def _spelt(self) -> dict[Ranking, int]:
        return self.columns.rankings()

    def __getitem__(self, ranking: Ranking) -> int:
        return self._spelt[ranking]

    def __iter__(self) -> Iterator[Ranking]:
        return iter(self._spelt)

    def __len__(self) -> int:
        return len(self._spelt)

    def __repr__(self) -> str:
        return repr(self._spelt)


def columns_of(profile: Profile) -> Columns:
    """The profile's rankings as numbers: as read, for a ballot table; numbered here otherwise."""
    if isinstance(profile.rankings, _TableRankings):
        return profile.rankings.columns
    return Columns.of(profile.rankings)


def combine(profiles: Iterable[Profile]) -> Profile:
    """Sum several files of one section (one per affiliate, say): one person one vote."""
    profiles = list(profiles)
    if len(profiles) == 1:
        return profiles[0]
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
        strict_json.refuse_duplicates(raw, file=str(path), known=strict_json.model_fields(ProfileFile))
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


DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}


def csv_delimiter(path: Path) -> str:
    """The delimiter a CSV's header line uses: commas, or else semicolons or tabs (as a spreadsheet saves
    it in many locales). A header naming candidates never holds one of these (names hold no delimiter)."""
    try:
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8", errors="replace")
    except OSError:
        return ","
    return next((d for d in DELIMITERS if d in header), ",")


def _scan(path: Path) -> pl.LazyFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pl.scan_parquet(path)
        return pl.scan_csv(path, infer_schema=False, separator=csv_delimiter(path))
    except Exception as error:  # polars raises several kinds for an unreadable file
        raise CollegeError(f"cannot read the file ({type(error).__name__})", file=str(path)) from None


def _rank_columns(path: Path, columns: list[str]) -> tuple[list[str], bool]:
    if not columns:
        raise CollegeError("the file is empty: expected a header with rank1..rankN", file=str(path))
    rank_columns = [c for c in columns if c.startswith("rank")]
    expected = [f"rank{i}" for i in range(1, len(rank_columns) + 1)]
    if not rank_columns:
        raise CollegeError("no preference columns: expected rank1..rankN, separated by commas, semicolons or tabs",
                           file=str(path), field="header")
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


def _clean(column: str) -> pl.Expr:
    """A cell as the count reads it: surrounding spaces dropped, an empty cell no mark."""
    return pl.col(column).cast(pl.String).str.strip_chars().replace("", None).alias(column)


def _distinct_lines(path: Path, columns: list[str]) -> pl.DataFrame | None:
    """A CSV's distinct data lines, each read as a row, with how many lines carry it (`n`).

    Grouping whole lines before cutting them into cells is about twice as fast as grouping
    the cells. None where a line may not be a whole record (a quoted field running over
    lines leaves an odd number of quotes on one of them) or the lines cannot be read so:
    the file is then grouped cell by cell, which also names any problem.
    """
    try:
        lines = (
            # Categorical: polars numbers the distinct lines as it reads them, then groups numbers.
            pl.scan_csv(
                path, has_header=False, skip_rows=1, separator="\x00", quote_char=None, schema={"line": pl.Categorical}
            )
            .group_by("line")
            .agg(pl.len().alias("n"))
            .collect()
        )
    except Exception:  # noqa: BLE001 - whatever stops this shortcut, reading cell by cell reports
        return None
    text = lines.get_column("line").cast(pl.String)
    quoted = text.str.contains('"', literal=True).any()
    if text.null_count() or (quoted and (text.str.count_matches('"', literal=True) % 2 == 1).any()):
        return None
    try:
        delimiter = csv_delimiter(path)
        rows = pl.read_csv(
            "\n".join([delimiter.join(columns), *text.to_list()]).encode("utf-8"), infer_schema=False, separator=delimiter
        )
    except Exception:  # noqa: BLE001 - as above
        return None
    if rows.columns != columns or rows.height != lines.height:
        return None
    return rows.with_columns(lines.get_column("n"))


def _distinct_rows(path: Path, contest: Contest) -> pl.DataFrame:
    """One ballot-level CSV or Parquet file (one row per paper, or per group of papers with
    `count`) as its distinct rows, cells cleaned, with how many papers carry each (`n`).
    Every name is checked; a problem names the file, the row and the column."""
    frame = _scan(path)
    row_label, first_row = _numbering(path)
    try:
        columns = frame.collect_schema().names()
    except pl.exceptions.NoDataError:
        columns = []
    except Exception as error:
        raise CollegeError(f"cannot read the file ({type(error).__name__})", file=str(path)) from None
    rank_columns, has_count = _rank_columns(path, columns)

    try:
        rows = _distinct_lines(path, columns) if path.suffix.lower() != ".parquet" else None
        if rows is None:
            rows = frame.group_by(columns).agg(pl.len().alias("n")).collect()
    except Exception as error:
        raise CollegeError(f"cannot read the file ({type(error).__name__}: {error})", file=str(path)) from None
    if has_count:
        papers = pl.col("count").cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
        bad = papers.is_null() | (papers < 1)
        if rows.select(bad.any()).item():
            found = frame.with_row_index("_row").filter(bad).select("_row", pl.col("count").cast(pl.String))
            row, raw = found.head(1).collect().row(0)
            raise CollegeError(
                f"{row_label} {row + first_row}: count must be a whole number of papers, at least 1 (got {raw!r})",
                file=str(path),
                field="count",
            )
        rows = rows.with_columns(pl.col("n") * papers)
    clean = rows.select(pl.all_horizontal(_clean(c).eq_missing(pl.col(c)) for c in rank_columns).all()).item()
    if clean and not has_count:
        distinct = rows
    else:  # rows that only differ in spacing, or in `count`, meet again here
        distinct = rows.with_columns(_clean(c) for c in rank_columns).group_by(rank_columns).agg(pl.col("n").sum())
    _check_names(distinct, frame, rank_columns, contest, path)
    return distinct


def _numbering(path: Path) -> tuple[str, int]:
    """How messages number rows: a CSV's lines (its header is line 1), a Parquet file's rows."""
    return ("row", 1) if path.suffix.lower() == ".parquet" else ("line", 2)


def _check_names(distinct: pl.DataFrame, frame: pl.LazyFrame, rank_columns: list[str], contest: Contest, path: Path) -> None:
    """Every name marked is a candidate or an excluded one; else the first unknown name in
    the file, by its row, so the same problem is named every time."""
    names = _Names(contest, str(path))
    unknown = {}
    for column in rank_columns:
        cells = distinct.get_column(column).drop_nulls().unique().to_list()
        if bad := [cell for cell in cells if not names.all_known(mark_of(cell, contest))]:
            unknown[column] = bad
    if not unknown:
        return
    first = (
        frame.with_row_index("_row")
        .select("_row", *(_clean(c) for c in unknown))
        .filter(pl.any_horizontal(pl.col(c).is_in(cells) for c, cells in unknown.items()))
        .head(1)
        .collect()
        .row(0, named=True)
    )
    column = next(c for c in unknown if first[c] in unknown[c])
    name = next(n for n in mark_of(first[column], contest) if not names.known(n))
    row_label, first_row = _numbering(path)
    names.check(name, f"{row_label} {first['_row'] + first_row}, {column}")


def _ballot_tables(tables: list[pl.DataFrame], contest: Contest) -> Profile:
    """The distinct rows of several ballot tables as one profile, summed in polars. Its
    rankings stay numbers (`Columns`), which is what the count reads."""
    depth = max(table.width for table in tables) - 1
    rank_columns = [f"rank{place}" for place in range(1, depth + 1)]
    distinct = tables[0]
    if len(tables) > 1:
        distinct = (
            pl.concat(tables, how="diagonal_relaxed")
            .group_by(rank_columns)
            .agg(pl.col("n").sum())
        )
    # Each cell becomes its place in `cells`: the count reads numbers, and a cell that
    # reads as no mark at all (a bare delimiter, say) becomes an unmarked preference.
    cells = sorted(set().union(*(distinct.get_column(c).drop_nulls().unique().to_list() for c in rank_columns)))
    marks = [mark_of(cell, contest) for cell in cells]
    no_mark = [place for place, mark in enumerate(marks) if not mark]
    codes = distinct.select(
        *(pl.col(c).cast(pl.Enum(cells)).to_physical().cast(pl.Int32).replace(no_mark, None) for c in rank_columns),
        pl.col("n").cast(pl.Int64),
    )
    marked = pl.any_horizontal(pl.col(c).is_not_null() for c in rank_columns)
    blank = codes.filter(~marked).get_column("n").sum()
    return Profile(_TableRankings(Columns(tuple(marks), codes.filter(marked))), blank)


# --- names ----------------------------------------------------------------------------


class _Names:
    """Checks that a name on a paper is a validly nominated or an excluded (withdrawn) candidate."""

    def __init__(self, contest: Contest, file: str):
        self.allowed = set(contest.candidates) | set(contest.excluded)
        self.file = file

    def known(self, name: str) -> bool:
        return name in self.allowed

    def all_known(self, mark: Mark) -> bool:
        return self.allowed.issuperset(mark)

    def check(self, name: str, where: str) -> None:
        if name not in self.allowed:
            raise CollegeError(
                f"{name!r} is not a validly nominated candidate of this contest nor an excluded one",
                file=self.file,
                field=where,
            )


def read_section(paths: Iterable[str | Path], contest: Contest) -> Profile:
    """All the files of one section, of any supported format, summed: one person one vote."""
    profiles: list[Profile] = []
    tables: list[pl.DataFrame] = []
    for path in map(Path, paths):
        if not path.is_file():
            raise CollegeError("file not found", file=str(path))
        if path.suffix.lower() == ".json":
            profiles.append(read_profile_json(path, contest))
        elif path.suffix.lower() in (".csv", ".parquet"):
            tables.append(_distinct_rows(path, contest))
        else:
            raise CollegeError("unknown file type: expected .json, .csv or .parquet", file=str(path))
    if tables:
        profiles.append(_ballot_tables(tables, contest))
    return combine(profiles)


def read_profile(path: str | Path, contest: Contest) -> Profile:
    """Read one section file of any supported format."""
    return read_section([path], contest)


def write_profile_json(profile: Profile, contest: Contest, path: str | Path) -> None:
    Path(path).write_text(json.dumps(profile_json(profile, contest), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
