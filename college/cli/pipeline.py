"""`college submit|ingest|status|admit|proceed`: returns into the pipeline, and the record of what became of them.

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

from college.cli.application import ByOption, StoreOption, app, clean_errors, out
from college.contest import load_contest
from college.errors import CollegeError
from college.ingest import (
    ADMITTED,
    admission_event,
    inbox_key,
    proceed_event,
    proceed_once_key,
    receipt_key,
    record,
    record_supersessions,
    standings,
    status,
)
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
                out.print(f"late {body.body} {sha}: the committee may admit it (college admit)",
                          markup=False, highlight=False, soft_wrap=True)
        for flagged in body.flagged:
            if flagged.submission not in body.admitted:
                out.print(f"flagged {body.body} {flagged.submission}: waits for the committee (college admit): "
                          f"{'; '.join(flagged.flags)}", markup=False, highlight=False, soft_wrap=True)
    for item in report.unattributed:
        out.print(f"rejected, no registered body {item.submission[:16]}: {'; '.join(item.reasons)}",
                  markup=False, highlight=False, soft_wrap=True)
    decided = f" (the committee decided to count without them: {report.proceed_decided_by})" if report.proceed_decided_by else ""
    out.print(f"missing: {', '.join(report.missing) or 'none'}{decided}", markup=False, highlight=False, soft_wrap=True)


def _full_digest(prefix: str, candidates: list[str]) -> str:
    """A submission named by its SHA-256 or a unique prefix of it (at least 8 hex digits)."""
    prefix = prefix.lower()
    found = sorted({d for d in candidates if d.startswith(prefix)}) if len(prefix) >= 8 else []
    if len(found) != 1:
        why = "names no late or flagged return" if not found else "is ambiguous"
        raise CollegeError(f"{prefix!r} {why}: give its SHA-256 (college status lists them)", field="SHA256")
    return found[0]


def _after_deadline(contest) -> None:
    if contest.returns_deadline is not None and datetime.now(UTC) <= contest.returns_deadline:
        raise CollegeError(
            f"the returns deadline ({contest.returns_deadline.isoformat()}) has not passed: the committee decides after it",
            field="returns_deadline",
        )


@app.command()
@clean_errors
def admit(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")],
    sha256: Annotated[str, typer.Argument(metavar="SHA256", help="the late or flagged return (its SHA-256, or a unique prefix)")],
    by: ByOption,
    store: StoreOption = None,
) -> None:
    """Record the Procedures Committee's decision to admit a late or flagged return: it then counts."""
    contest = load_contest(contest_file)
    ledger = Ledger(store_from(store or None, default=contest.store))
    state = standings(contest, ledger.entries())
    late = {d: s for s in state.bodies.values() for d in [*s.late, *s.flagged]}
    sha = _full_digest(sha256, list(late))
    standing = late[sha]
    event = admission_event(standing, sha, by) | {"ids": {"decided-by": by}}
    if sha in standing.admitted:
        record_supersessions(ledger, state, standing)  # what a crash after the admission may have left out
        out.print(f"already admitted: {standing.body} {sha}", highlight=False, soft_wrap=True)
        return
    record(ledger, state, event, f"{ADMITTED}:{sha}")
    out.print(f"admitted the return {sha} from {standing.body} ({standing.name}), decided by {by}",
              markup=False, highlight=False, soft_wrap=True)


@app.command()
@clean_errors
def proceed(contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")], by: ByOption, store: StoreOption = None) -> None:
    """Record the Procedures Committee's decision to count without the bodies whose returns are missing."""
    contest = load_contest(contest_file)
    _after_deadline(contest)
    ledger = Ledger(store_from(store or None, default=contest.store))
    earlier = ledger.find(proceed_once_key(contest))
    if earlier is not None:
        out.print(f"already decided by {earlier.ids.get('decided-by')} at {earlier.time.isoformat()} (ledger position {earlier.position})",
                  markup=False, highlight=False, soft_wrap=True)
        return
    entry = ledger.append(**proceed_event(contest, standings(contest, ledger.entries()), by))
    missing = [v for k, v in entry.ids.items() if k.startswith("missing-")]
    out.print(f"recorded: count without {', '.join(missing)}, decided by {by} (ledger position {entry.position})",
              markup=False, highlight=False, soft_wrap=True)
