"""`college count`: count profiles the user already holds (verification, history, dry runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from college.cli.application import app, clean_errors, out, table_or_json
from college.contest import load_contest
from college.count.rules import count as count_college
from college.count.rules import parts_of
from college.errors import CollegeError, from_validation_error
from college.profile import read_section
from college.count.result import TieDecision


def parse_sections(values: list[str]) -> dict[str, list[Path]]:
    sections: dict[str, list[Path]] = {}
    for value in values:
        section_id, sep, path = value.partition("=")
        if not sep or not section_id or not path:
            raise CollegeError(f"--section takes ID=PATH, got {value!r}", field="--section")
        sections.setdefault(section_id.strip(), []).append(Path(path))
    return sections


def load_decisions(path: Path | None) -> list[TieDecision]:
    if path is None:
        return []
    try:
        return TypeAdapter(list[TieDecision]).validate_json(path.read_bytes())
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    except ValidationError as error:
        raise from_validation_error(error, file=str(path)) from None


@app.command()
@clean_errors
def count(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file")],
    section: Annotated[
        list[str],
        typer.Option("--section", metavar="ID=PATH", help="a section's profile (JSON, CSV or Parquet), or a voter category's in a one-member-one-vote "
        "contest; repeat to sum files"),
    ],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    decisions: Annotated[
        Path | None, typer.Option("--decisions", help="JSON list of the committee's tie decisions, to resume a referred count")
    ] = None,
) -> None:
    """Count profiles you already hold: verification, history, dry runs."""
    table_or_json(format)
    contest = load_contest(contest_file)
    files = parse_sections(section)
    known = [part for s in contest.sections for part in parts_of(contest, s)]
    for part in files:
        if part not in known:
            raise CollegeError(
                f"no section or voter category {part!r} to count (the contest counts: {', '.join(known)})",
                field="--section",
            )
    profiles = {sid: read_section(paths, contest) for sid, paths in files.items()}
    result = count_college(contest, profiles, load_decisions(decisions))
    if format == "json":
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    else:
        from college.reports.terminal import result_renderable  # rich, only for the table

        out.print(result_renderable(result))
    if result.status == "decision-needed":
        raise typer.Exit(4)
