"""The calendar and the paperwork: `college timetable`, `membership`, `ballot-papers` and `delegates` (seed 003 items 3-22)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from college.cli.application import app, clean_errors, out, table_or_json
from college.contest import load_contest
from college.delegates import delegate_list, read_registrations, report_tables
from college.membership import check_roll, read_roll
from college.timetable import RULES, breaches, ics, of

ContestArgument = Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file")]


@app.command()
@clean_errors
def timetable(
    contest_file: ContestArgument,
    ics_file: Annotated[
        Path | None, typer.Option("--ics", metavar="FILE.ics", help="also write the timetable as an iCalendar file")
    ] = None,
) -> None:
    """The timetable (seed 003 items 3, 5, 8, 12, 21, 31): each date, what is due and from whom."""
    contest = load_contest(contest_file)
    calendar, found = of(contest)
    table = Table(title=f"{contest.id}: timetable of the election of the {contest.position}", title_justify="left")
    for column in ("when", "what", "due from / by", "item"):
        table.add_column(column)
    for event in found:
        table.add_row(event.when.isoformat(), event.what, event.who, event.items)
    out.print(table)
    for breach in breaches(calendar):  # only those a recorded decision varies: the contest would not load otherwise
        rule = RULES[breach.rule]
        line = f"varied [{rule.id}] {rule.text} (item {rule.items}): {breach.detail}; by {breach.decision.minute}"
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if ics_file is not None:
        ics_file.write_bytes(ics(contest.id, found, datetime.now(UTC)))
        out.print(f"wrote {ics_file}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@clean_errors
def membership(
    contest_file: ContestArgument,
    roll: Annotated[Path, typer.Argument(metavar="ROLL", help="the body's membership roll, CSV or JSON: member, joined")],
    body: Annotated[str, typer.Option("--body", metavar="ID", help="the body's id in the register")],
) -> None:
    """Check a body's certified count against its membership roll: members who joined after the commencement do not vote [12].

    Exits 1 when the certified count is not the number of eligible members.
    """
    found = check_roll(load_contest(contest_file), body, read_roll(roll))
    late = f", e.g. {', '.join(found.late_members)}" if found.late_members else ""
    out.print(
        f"{found.body}: {found.on_roll} on the roll; {found.joined_after} joined after the recruitment freeze on "
        f"{found.freeze} and do not vote{late}; {found.eligible} eligible; {found.certified} certified.",
        markup=False, highlight=False, soft_wrap=True,
    )
    if found.breach:
        out.print(found.breach, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    out.print("The certified count is the eligible membership.", markup=False, highlight=False)


@app.command("ballot-papers")
@clean_errors
def ballot_papers(
    contest_file: ContestArgument,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="folder for one PDF per affiliate")],
    body: Annotated[str | None, typer.Option("--body", metavar="ID", help="only this affiliate's paper")] = None,
) -> None:
    """Each affiliate's official ballot paper, verification slip and voting pack contents, as PDF (items 13-17)."""
    from college.ballot_paper import write_papers

    contest = load_contest(contest_file)
    for path in write_papers(contest, out_dir, body):
        out.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@clean_errors
def delegates(
    contest_file: ContestArgument,
    registrations: Annotated[Path, typer.Argument(metavar="DELEGATES", help="CSV or JSON: body, name, registered, when")],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """The delegates to the Electoral College meeting and the fees each body owes (item 22)."""
    table_or_json(format)
    contest = load_contest(contest_file)
    listed = delegate_list(contest, read_registrations(registrations), str(registrations))
    if format == "json":
        sys.stdout.write(listed.model_dump_json(indent=2) + "\n")
        return
    for found in report_tables(listed):
        headers, cells, numeric = found.people()
        table = Table(title=found.title, title_justify="left", caption=found.note)
        for header, number in zip(headers, numeric):
            table.add_column(header, justify="right" if number else "left")
        for row in cells:
            table.add_row(*row)
        out.print(table)
