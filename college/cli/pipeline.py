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

from college.cli.application import StoreOption, app, clean_errors, err, out, quiet_prefect_tracebacks, read_contest, table_or_json
from college.contest import load_contest
from college.errors import CollegeError
from college.ingest import inbox_key, receipt_key, status
from college.ledger import Ledger
from college.preconditions import before_ingest, require_store
from college.returns import EnvelopeError, read_envelope
from college.signing import digest
from college.store import store_from


def _submissions(body) -> str:
    counts = [
        (len(body.received), "received"), (len(body.accepted), "accepted"), (len(body.rejected), "rejected"),
        (len(body.superseded), "superseded"), (len(body.late), "late"), (len(body.flagged), "flagged"),
        (len(body.admitted), "admitted"), (body.duplicates, "duplicate" if body.duplicates == 1 else "duplicates"),
    ]
    return ", ".join(f"{n} {what}" for n, what in counts if n) or "none"


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
    to: Annotated[
        str | None, typer.Option("--to", metavar="URL", help="the count's web service (https://HOST): upload through its API, no store credentials needed")
    ] = None,
    wait: Annotated[
        float | None, typer.Option("--wait", metavar="SECONDS", help="wait this long for the receipt (default: 0 into a store, 120 with --to)")
    ] = None,
) -> None:
    """Send a sealed return: to the count's web service (--to), or straight into a store's inbox.

    Prints the receipt once ingest has decided on it (--wait SECONDS)."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise CollegeError(f"cannot read the file ({error.strerror})", file=str(file)) from None
    if not data:
        raise CollegeError("the file is empty", file=str(file))
    if to is not None:
        if store is not None:
            raise CollegeError("give --to or --store, not both", field="--to")
        _submit_to(to, file, data, 120 if wait is None else wait)
        return
    wait = wait or 0
    try:  # only a sealed envelope goes in: a clear return's figures would stay in the store for good
        read_envelope(data)
    except EnvelopeError as error:
        raise CollegeError(f"not a sealed return ({error.rule}): seal it first with `college return seal`",
                           file=str(file)) from None
    where = store_from(store or None)
    require_store(where)
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
        _print_receipt(data)
        return
    out.print(f"the receipt will be at {where.uri}/{receipt} once ingest has run", highlight=False, soft_wrap=True)
    if wait:
        err.print(f"no receipt after {wait:g} s: ingest has not run on it yet (the submission is kept in the inbox)",
                  markup=False, highlight=False)
        raise typer.Exit(1)


def _print_receipt(data: bytes) -> None:
    out.print(_receipt_summary(data), markup=False, highlight=False, soft_wrap=True)
    typer.echo(data.decode("utf-8"), nl=False)


def _submit_to(url: str, file: Path, data: bytes, wait: float) -> None:
    """Upload through the service's API (POST /api/v1/returns), then poll the receipt URL it gives."""
    import httpx

    base = url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise CollegeError("the service's address starts with https:// (or http:// on this machine)", field="--to")
    try:
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            answer = client.post(f"{base}/api/v1/returns", content=data, headers={"content-type": "application/octet-stream"})
            if answer.status_code != 202:
                raise CollegeError(f"refused ({answer.status_code}): {_said(answer)}", file=str(file))
            acknowledged = answer.json()
            out.print(f"submitted {file.name} to {base} (sha256 {acknowledged['sha256']}, received {acknowledged['received_at']})",
                      markup=False, highlight=False, soft_wrap=True)
            deadline = time.monotonic() + wait
            while True:
                found = client.get(acknowledged["receipt_url"])
                if found.status_code == 200:
                    out.print(f"receipt {acknowledged['receipt_url']}", highlight=False, soft_wrap=True)
                    _print_receipt(found.content)
                    return
                if found.status_code != 202:
                    raise CollegeError(f"the receipt could not be fetched ({found.status_code}): {_said(found)}", field="--to")
                if time.monotonic() >= deadline:
                    break
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    except httpx.HTTPError as error:
        raise CollegeError(f"could not reach the service ({type(error).__name__})", field="--to") from None
    out.print(f"the receipt will be at {acknowledged['receipt_url']} once ingest has run", highlight=False, soft_wrap=True)
    if wait:
        err.print(f"no receipt after {wait:g} s: ingest has not run on it yet (the service holds the upload)",
                  markup=False, highlight=False)
        raise typer.Exit(1)


def _said(answer) -> str:
    """The service's {error, rule} answer in one line."""
    try:
        problem = answer.json()
        return f"{problem['error']} [{problem['rule']}]"
    except (ValueError, KeyError, TypeError):
        return answer.reason_phrase


@app.command()
@clean_errors
def ingest(contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")], store: StoreOption = None) -> None:
    """Run the ingest flow once: keep, check, record and acknowledge everything in the inbox.

    The keys come from the environment: COLLEGE_COUNT_KEY and COLLEGE_RECEIPT_KEY, as `college secrets export KEYFILE` prints them (or their Prefect Secret blocks)."""
    from flows.secrets import count_key, receipt_key

    contest, data = read_contest(contest_file)  # what needs no figure is checked before Prefect starts
    where = store_from(store or None, default=contest.store)
    before_ingest(contest, data, str(contest_file), Ledger(where), count_key(), receipt_key())
    from flows.ingest import ingest as ingest_flow

    quiet_prefect_tracebacks()
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
    """Where every returning body stands: procedure only, no figures.

    Received, accepted, rejected and why, superseded, late, admitted, missing."""
    table_or_json(format)
    contest = load_contest(contest_file)
    where = store_from(store or None, default=contest.store)
    require_store(where, contest.id)
    report = status(contest, Ledger(where).entries())
    if format == "json":
        typer.echo(report.model_dump_json(indent=2))
        return
    # Four columns, so that it reads at 80 columns: the submissions of each kind in words, none at zero.
    table = Table(
        "body", "section", "state", "submissions",
        title=f"{contest.id}: {len(report.bodies)} returning bodies expected ({report.ledger_entries} ledger entries)",
    )
    for column in table.columns[:3]:
        column.no_wrap = True
    for body in report.bodies:
        table.add_row(body.body, body.section, body.state, _submissions(body))
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
        if digest(contest_file.read_bytes()) != report.contest_file:  # the table is drawn from the file given
            err.print(f"warning: {contest_file} differs from the contest file anchored in the ledger: the count runs on "
                      "the anchored one until the committee's amendment is recorded", markup=False, highlight=False)
    for amendment in report.amendments:
        out.print(f"amended (ledger position {amendment.position}, signed by {amendment.decided_by}): {amendment.reason}",
                  markup=False, highlight=False, soft_wrap=True)
