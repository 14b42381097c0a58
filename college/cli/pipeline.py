"""`college submit|ingest|status`: returns into the pipeline, and the record of what became of them.

Everything printed is procedure (bodies, hashes, states, rules), never a figure of a
return. The ingest flow is imported only inside `college ingest`: `college/` never
imports Prefect at module level.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from college.cli.application import StoreOption, app, clean_errors, out
from college.contest import load_contest
from college.errors import CollegeError
from college.ingest import inbox_key, receipt_key, status
from college.ledger import Ledger
from college.signing import digest
from college.store import store_from


def _receipt_summary(data: bytes) -> str:
    """The receipt's outcome in one line: procedure only, as the receipt itself holds."""
    receipt = json.loads(data)["receipt"]
    reasons = "; ".join(receipt.get("reasons") or [])
    return f"outcome: {receipt['outcome']}" + (f" ({reasons})" if reasons else "")


@app.command()
@clean_errors
def submit(
    file: Annotated[Path, typer.Argument(help="a sealed return (.sealed)")],
    store: StoreOption = None,
    wait: Annotated[float, typer.Option("--wait", metavar="SECONDS", help="wait this long for ingest's receipt")] = 0,
) -> None:
    """Put a sealed return into the inbox; print its receipt once ingest has run, else where it will be."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise CollegeError(f"cannot read the file ({error.strerror})", file=str(file)) from None
    if not data:
        raise CollegeError("the file is empty", file=str(file))
    where = store_from(store or None)
    sha = digest(data)
    key = inbox_key(data, datetime.now(UTC))
    where.put(key, data)
    out.print(f"submitted {file.name} as {key} (sha256 {sha})", highlight=False, soft_wrap=True)
    if os.environ.get("PREFECT_API_URL"):  # a Prefect server runs the ingest deployment: tell it now
        from flows.ingest import announce

        announce(where.uri, key, sha)
    receipt = receipt_key(sha)
    deadline = time.monotonic() + wait
    while not where.exists(receipt) and time.monotonic() < deadline:
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    if where.exists(receipt):
        data = where.get(receipt)
        out.print(f"receipt {where.uri}/{receipt}", highlight=False, soft_wrap=True)
        out.print(_receipt_summary(data), markup=False, highlight=False, soft_wrap=True)
        typer.echo(data.decode("utf-8"), nl=False)
        return
    out.print(f"the receipt will be at {where.uri}/{receipt} once ingest has run", highlight=False, soft_wrap=True)
    if wait:
        raise typer.Exit(1)


@app.command()
@clean_errors
def ingest(contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")], store: StoreOption = None) -> None:
    """Run the ingest flow once: keep, check, record and acknowledge everything in the inbox."""
    from flows.ingest import ingest as ingest_flow

    contest = load_contest(contest_file)  # a bad contest file is one clear line before Prefect starts
    where = store_from(store or None, default=contest.store)
    summary = ingest_flow(str(contest_file), where.uri)
    table = Table("state", "bodies", title="returning bodies")
    for state, number in sorted(summary.items()):
        table.add_row(state, str(number))
    out.print(table)
    out.print(f"ingested {where.uri}: receipts in receipts/, `college status` for each body", highlight=False, soft_wrap=True)


@app.command("status")
@clean_errors
def status_command(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")],
    store: StoreOption = None,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Where every returning body stands: procedure only (received, accepted, rejected and why,
    superseded, late, admitted, missing). No figures."""
    if format not in ("table", "json"):
        raise CollegeError(f"--format must be table or json, got {format!r}", field="--format")
    contest = load_contest(contest_file)
    report = status(contest, Ledger(store_from(store or None, default=contest.store)).entries())
    if format == "json":
        typer.echo(report.model_dump_json(indent=2))
        return
    table = Table(
        "body", "state", "recv", "acc", "rej", "sup", "late", "adm", "dup", "section", "name",
        title=f"{contest.id}: {len(report.bodies)} returning bodies expected ({report.ledger_entries} ledger entries)",
        caption="received, accepted, rejected, superseded, late, admitted, duplicates: submissions of each kind",
    )
    for column in table.columns[:3]:
        column.no_wrap = True
    for body in report.bodies:
        table.add_row(
            body.body, body.state, str(len(body.received)), str(len(body.accepted)), str(len(body.rejected)),
            str(len(body.superseded)), str(len(body.late)), str(len(body.admitted)), str(body.duplicates),
            body.section, body.name,
        )
    out.print(table)
    for body in report.bodies:
        for rejection in body.rejected:
            out.print(f"rejected {body.body} {rejection.submission[:16]}: {'; '.join(rejection.reasons)}",
                      markup=False, highlight=False, soft_wrap=True)
        for sha in body.late:
            if sha not in body.admitted:
                out.print(f"late {body.body} {sha}: the committee may admit it (college decision admit)",
                          markup=False, highlight=False, soft_wrap=True)
        for flagged in body.flagged:
            if flagged.submission not in body.admitted:
                out.print(f"flagged {body.body} {flagged.submission}: waits for the committee (college decision admit): "
                          f"{'; '.join(flagged.flags)}", markup=False, highlight=False, soft_wrap=True)
    for item in report.unattributed:
        out.print(f"rejected, no registered body {item.submission[:16]}: {'; '.join(item.reasons)}",
                  markup=False, highlight=False, soft_wrap=True)
    decided = f" (the committee decided to count without them: {report.proceed_decided_by})" if report.proceed_decided_by else ""
    out.print(f"missing: {', '.join(report.missing) or 'none'}{decided}", markup=False, highlight=False, soft_wrap=True)
    if report.contest_file:
        out.print(f"contest file: sha256 {report.contest_file}", markup=False, highlight=False, soft_wrap=True)
    for amendment in report.amendments:
        out.print(f"amended (ledger position {amendment.position}, signed by {amendment.decided_by}): {amendment.reason}",
                  markup=False, highlight=False, soft_wrap=True)
