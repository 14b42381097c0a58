"""`college meeting`: the tellers' commands for a selection meeting's eliminating ballot (seed 000 I.iv)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from college.cli.application import app, clean_errors, out, table_or_json
from college.errors import CollegeError, from_validation_error
from college.meeting.ballot import PAPER_NAMES, PART_NAMES, Meeting, Tallies, Tally
from college.meeting.record import enter_round, load_record, open_record
from college.meeting.sheet import render_sheets
from college.model import parse_toml
from college.store import store_from

meeting_app = typer.Typer(help="A selection meeting's eliminating ballot, round by round (seed 000 I.iv).", no_args_is_help=True)
app.add_typer(meeting_app, name="meeting")

RecordOption = Annotated[str, typer.Option("--record", metavar="URI", help="the meeting's record: a folder, file:///path or s3://bucket/prefix")]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None


def _votes(values: list[str]) -> dict[str, int]:
    votes: dict[str, int] = {}
    for value in values:
        name, sep, number = value.rpartition("=")
        if not sep or not name.strip() or not (number.strip().isascii() and number.strip().isdigit()):  # not "²"
            raise CollegeError(f"--votes takes NAME=NUMBER, got {value!r}", field="--votes")
        if name.strip() in votes:
            raise CollegeError(f"{name.strip()!r} is given twice", field="--votes")
        votes[name.strip()] = int(number)
    return votes


def _show_round(meeting: Meeting, before: int) -> None:
    """Print every round after the first `before` entered, then what comes next."""
    from rich.table import Table  # rich only when a table is printed

    played = [(ballot, r) for ballot in meeting.ballots for r in ballot.rounds][before:]
    for ballot, played_round in played:
        tally = played_round.tally
        kind = "" if played_round.paper.kind == "round" else f", {PAPER_NAMES[played_round.paper.kind]}"
        out.print(f"\n{PART_NAMES[ballot.part]}, round {played_round.number}{kind}", style="bold", markup=False)
        out.print(f"papers returned {tally.returned:,}, spoilt {tally.spoilt:,}, blank {tally.blank:,}: {tally.valid:,} valid", markup=False)
        table = Table()
        table.add_column("Nominee")
        table.add_column("Votes", justify="right")
        for name in sorted(played_round.paper.among, key=lambda n: (-tally.votes[n], n)):
            table.add_row(name, f"{tally.votes[name]:,}")
        out.print(table)
        out.print(f"Rule {played_round.answer.rule}: {played_round.answer.says}", markup=False)
    _show_next(meeting)


def _show_opening(meeting: Meeting) -> None:
    """What the meeting decided without a ballot (8a: a woman deemed selected), then what comes next."""
    _show_deemed(meeting)
    _show_next(meeting)


def _show_deemed(meeting: Meeting) -> None:
    for ballot in meeting.ballots:
        if ballot.outcome and ballot.outcome.action == "deemed-selected":
            out.print(f"Rule {ballot.outcome.rule}: {ballot.outcome.says}", markup=False)


def _show_next(meeting: Meeting) -> None:
    if meeting.outcome:
        out.print(f"Outcome (rule {meeting.outcome.rule}): {meeting.outcome.says}", markup=False)
    elif meeting.next:
        paper = meeting.next
        out.print(f"Next: a {PAPER_NAMES[paper.kind]} of {', '.join(paper.among)}; each member may vote for up to {paper.votes_per_member}.", markup=False)


@meeting_app.command("open")
@clean_errors
def open_(
    selection_file: Annotated[Path, typer.Argument(metavar="SELECTION.toml")],
    present: Annotated[int, typer.Option("--present", min=0, help="members entitled to vote, present when the first nominee began to speak (rules 15, 17)")],
    record: RecordOption,
    joint: Annotated[bool, typer.Option("--joint", help="the deferred joint meeting of rule 16, which proceeds however many are present")] = False,
) -> None:
    """Open a selection meeting: check the selection file and the quorum, and start its record."""
    meeting = open_record(store_from(record), _read(selection_file), file=str(selection_file), present=present, joint=joint)
    _show_opening(meeting)


@meeting_app.command("round")
@clean_errors
def round_(
    record: RecordOption,
    returned: Annotated[int, typer.Option("--returned", min=0, help="ballot papers returned")],
    votes: Annotated[list[str], typer.Option("--votes", metavar="NAME=NUMBER", help="a nominee's votes; once for each nominee on the paper")],
    spoilt: Annotated[int, typer.Option("--spoilt", min=0)] = 0,
    blank: Annotated[int, typer.Option("--blank", min=0)] = 0,
) -> None:
    """Enter the tally of the next paper; print what the rules require next."""
    try:
        tally = Tally(returned=returned, spoilt=spoilt, blank=blank, votes=_votes(votes))
    except ValidationError as error:
        raise from_validation_error(error, file="--votes") from None
    store = store_from(record)
    before = load_record(store)[1]
    meeting = enter_round(store, tally)
    _show_round(meeting, before)


@meeting_app.command("show")
@clean_errors
def show(
    record: RecordOption,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Every round so far, and what comes next."""
    table_or_json(format)
    meeting, _ = load_record(store_from(record))
    if format == "json":
        sys.stdout.write(json.dumps(meeting.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    else:
        _show_deemed(meeting)
        _show_round(meeting, 0)


@meeting_app.command("sheet")
@clean_errors
def sheet(
    record: RecordOption,
    out_file: Annotated[Path, typer.Option("--out", help="the PDF to write")],
    round_number: Annotated[int | None, typer.Option("--round", help="only the Nth round entered (counting across both parts)")] = None,
) -> None:
    """Write the round sheets (PDF) for the chair to read out."""
    meeting, _ = load_record(store_from(record))
    out_file.write_bytes(render_sheets(meeting, round_number))
    out.print(f"round sheets written to {out_file}", markup=False)


@meeting_app.command("run")
@clean_errors
def run(
    selection_file: Annotated[Path, typer.Argument(metavar="SELECTION.toml")],
    tallies_file: Annotated[Path, typer.Argument(metavar="TALLIES.toml")],
    record: Annotated[str | None, typer.Option("--record", metavar="URI", help="keep the record here (else a temporary folder)")] = None,
    sheets: Annotated[Path | None, typer.Option("--sheets", help="write every round sheet to this PDF")] = None,
) -> None:
    """Run a whole meeting from a file of its tallies, round by round, as the tellers would."""
    tallies = parse_toml(Tallies, _read(tallies_file), str(tallies_file))
    folder = None if record else tempfile.mkdtemp(prefix="college-meeting-")
    try:
        store = store_from(record or folder)
        meeting = open_record(store, _read(selection_file), file=str(selection_file), present=tallies.present, joint=tallies.joint)
        _show_opening(meeting)
        for number, tally in enumerate(tallies.rounds, start=1):
            if meeting.next is None:
                raise CollegeError(f"round {number} is one more than the meeting needed", file=str(tallies_file), field=f"rounds.{number}")
            try:
                meeting = enter_round(store, tally)
            except CollegeError as error:
                raise CollegeError(error.message, file=str(tallies_file), field=f"rounds.{number}.{error.field}") from None
            _show_round(meeting, number - 1)
        if sheets:
            sheets.write_bytes(render_sheets(meeting))
            out.print(f"round sheets written to {sheets}", markup=False)
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


@meeting_app.command("serve")
@clean_errors
def serve(
    record: RecordOption,
    host: Annotated[str, typer.Option("--host", help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="the port to listen on")] = 8081,
    public_url: Annotated[str | None, typer.Option("--public-url", help="the address the tellers open (default http://localhost:PORT)")] = None,
) -> None:
    """Serve the tellers' page for a meeting: where the ballot stands, and a form for the next round's tally."""
    import uvicorn

    from college.service.tellers import create_tellers_app, new_token

    token = new_token()
    application = create_tellers_app(store_from(record), token)
    base = (public_url or f"http://localhost:{port}").rstrip("/")
    out.print(f"Tellers: open {base}/sign-in?token={token} on the tellers' tablet.", markup=False, soft_wrap=True)
    out.print(f"Everyone else: {base}/ shows where the ballot stands. The link above lets its holder enter tallies: "
              "give it to the tellers only.", markup=False, soft_wrap=True)
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
