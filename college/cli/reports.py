"""`college report`, `college bundle`, `college verify`: after the declaration only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from college.cli.application import app, clean_errors, out
from college.embargo import require_declared
from college.errors import CollegeError
from college.recount import verify_bundle, write_bundle
from college.reports.publish import parse_formats, write_reports


def _fresh_folder(folder: Path) -> None:
    """Outputs never replace what exists: another declaration's reports (a rehearsal's, say) would stand in for
    the published ones."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CollegeError("already holds files: give a new or empty folder; nothing was overwritten", file=str(folder))


@app.command()
@clean_errors
def report(
    declaration: Annotated[Path, typer.Argument(metavar="DECLARATION", help="the declaration file the declaration flow wrote")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the reports")],
    format: Annotated[str, typer.Option("--format", help="comma-separated: html,pdf,json,csv,exports")] = "html,pdf,json,csv,exports",
    delegates: Annotated[
        Path | None,
        typer.Option("--delegates", metavar="FILE", help="delegate registrations: the NEC report lists them and the fees due"),
    ] = None,
) -> None:
    """Write the declared result, the published breakdowns, the NEC report and the exports other tools read."""
    formats = parse_formats(format)
    declared = require_declared(declaration)
    _fresh_folder(out_dir)
    extra = []
    if delegates is not None:
        from college.delegates import delegate_list, read_registrations, report_tables

        extra = report_tables(delegate_list(declared.contest, read_registrations(delegates), str(delegates)))
    written = write_reports(declared, out_dir, formats, extra)
    if declared.dry_run:
        out.print("DRY RUN: these reports are of a rehearsal, not a real result", style="bold red")
    for path in written:
        out.print(str(path), highlight=False, soft_wrap=True)


@app.command()
@clean_errors
def bundle(
    declaration: Annotated[Path, typer.Argument(metavar="DECLARATION", help="the declaration file the declaration flow wrote")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the recount bundle")],
) -> None:
    """Write the recount kit: contest file, each section's profile, the result, and a manifest."""
    declared = require_declared(declaration)
    _fresh_folder(out_dir)
    manifest = write_bundle(declared, out_dir)
    mark = "DRY RUN: " if declared.dry_run else ""
    out.print(f"{mark}recount bundle written: {manifest}; check it with: college verify {out_dir}", highlight=False, soft_wrap=True)


@app.command()
@clean_errors
def verify(
    bundle_dir: Annotated[Path, typer.Argument(metavar="BUNDLE", help="a recount bundle folder")],
) -> None:
    """Count a recount bundle again from scratch and compare it with the declared result, round by round."""
    verification = verify_bundle(bundle_dir)
    if verification.manifest.dry_run:
        out.print("DRY RUN bundle: a rehearsal, not a real result", style="bold red")
    for problem in verification.files:
        out.print(f"file: {problem}", highlight=False, soft_wrap=True)
    for check in verification.rounds:
        out.print(f"round {check.number}: {'matches' if check.matches else 'DIFFERS'}", highlight=False, soft_wrap=True)
        for difference in check.differences:
            out.print(f"  {difference}", highlight=False, soft_wrap=True)
    for difference in verification.outcome:
        out.print(difference, highlight=False, soft_wrap=True)
    if not verification.matches:
        out.print("the recount does NOT match the declared result", style="bold red")
        raise typer.Exit(1)
    out.print(
        f"the recount matches the declared result of {verification.manifest.contest} in every round", style="bold green"
    )
