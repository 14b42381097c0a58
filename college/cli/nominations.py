"""`college nominations ...`: check, publish and close the nominations (seed 003 items 5-10)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from college.cli.application import app, clean_errors, out
from college.errors import CollegeError
from college.reports.nominations import write_publication
from college.nominations import (
    Conclusion,
    NominationsOutcome,
    PositionOutcome,
    Status,
    certified_counts,
    contest_text,
    with_certified_counts,
)
from college.nominations import load as load_nominations
from college.nominations import outcome as nominations_outcome

nominations = typer.Typer(help="Nominations: who goes on the ballot.", no_args_is_help=True)
app.add_typer(nominations, name="nominations")

ConfigArgument = Annotated[Path, typer.Argument(metavar="NOMINATIONS.toml", help="the nominations file")]


def _outcome(config: Path) -> NominationsOutcome:
    return nominations_outcome(load_nominations(config))


def _position_table(position: PositionOutcome) -> Table:
    table = Table(title=f"{position.name}: {position.threshold.arithmetic}", title_justify="left")
    for column in ("nominee", "MP nominations", "supporting", "standing"):
        table.add_column(column, justify="right" if column in ("MP nominations", "supporting") else "left")
    for n in position.nominees:
        table.add_row(n.nominee, str(n.nominations), str(n.supporting), n.reason)
    return table


@nominations.command()
@clean_errors
def check(config: ConfigArgument) -> None:
    """Check every nominations file and show where each position stands."""
    result = _outcome(config)
    for position in result.positions:
        out.print(_position_table(position))
        for record in position.plp_nominations + position.supporting:
            if record.status is Status.rejected:
                who = getattr(record, "mp", None) or record.name
                line = f"  rejected: {who} -> {record.nominee} ({record.source}): {record.reason}"
                out.print(line, markup=False, soft_wrap=True)
        out.print(position.statement, markup=False, soft_wrap=True)


@nominations.command()
@clean_errors
def publish(
    config: ConfigArgument,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="folder for the JSON, CSV and HTML")],
) -> None:
    """Write the nominations so far, with the MPs' names, as JSON, CSV and an HTML page [7, 10]."""
    result = _outcome(config)
    for path in write_publication(result, out_dir):
        out.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    for position in result.positions:
        out.print(position.statement, markup=False, soft_wrap=True)


@nominations.command()
@clean_errors
def contest(
    config: ConfigArgument,
    position: Annotated[
        str | None, typer.Option("--position", help="position id (needed when there are several)")
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option("--write", metavar="CONTEST.toml", help="create the contest file, or set its candidates"),
    ] = None,
) -> None:
    """The contest file's candidates, from the validly nominated candidates only.

    Registered bodies' certified counts are set from their supporting nominations.

    Unopposed, or a challenge with no valid challenger: says so and writes nothing.
    No candidate: says so, writes nothing and exits 1.
    """
    result = _outcome(config)
    if position is None:
        if len(result.positions) > 1:
            known = ", ".join(p.id for p in result.positions)
            raise CollegeError(f"several positions: choose one with --position ({known})", field="--position")
        chosen = result.positions[0]
    else:
        chosen = result.position(position)
    if chosen.conclusion is not Conclusion.ballot:
        out.print(chosen.statement, markup=False, soft_wrap=True)
        raise typer.Exit(1 if chosen.conclusion is Conclusion.none else 0)
    existing = None
    if write is not None and write.exists():
        existing = write.read_text(encoding="utf-8")
    where = str(write) if write else "contest file"
    text, changes = with_certified_counts(contest_text(chosen, existing, file=where), certified_counts(result), file=where)
    if write is None:
        sys.stdout.write(text)
        return
    write.write_text(text, encoding="utf-8")
    for change in changes:
        out.print(change, markup=False, highlight=False, soft_wrap=True)
    done = "updated" if existing is not None else "created"
    line = f"{done} {write}: candidates {', '.join(chosen.candidates)}"
    out.print(line, markup=False, highlight=False, soft_wrap=True)


@nominations.command()
@clean_errors
def certified(config: ConfigArgument) -> None:
    """Certified full-member counts from accepted supporting nominations, as JSON {affiliate id: count}."""
    sys.stdout.write(json.dumps(certified_counts(_outcome(config)), indent=2) + "\n")
