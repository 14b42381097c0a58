"""`college tally`, `college declare` and `college dry-run`: the count under embargo and the
declaration, run through the Prefect flows (the committee's decisions are `college decision`).

The flows live in `flows/` (orchestration); they are imported inside each command so that
`college/` itself never imports Prefect, and so that commands which do not run a flow
start without it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from college.ceremony import load_ceremony, load_contribution, stored_contributions
from college.cli.application import StoreOption, app, clean_errors, out, quiet_prefect_tracebacks, read_contest
from college.declaration import elected_line, read_declaration
from college.errors import CollegeError
from college.ledger import Ledger
from college.preconditions import before_declare, before_tally, check_receipt_key, sealed_result
from college.store import store_from



@app.command()
@clean_errors
def tally(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")],
    store: StoreOption = None,
) -> None:
    """Count the standing returns after the deadline and seal the result to the declaration key.

    The keys come from the environment: COLLEGE_COUNT_KEY and COLLEGE_RECEIPT_KEY, as `college secrets export KEYFILE` prints them (or their Prefect Secret blocks)."""
    from flows.secrets import count_key, receipt_key

    contest, data = read_contest(contest_file)
    where = store_from(store or None, default=contest.store)
    before_tally(contest, data, str(contest_file), Ledger(where), count_key(), receipt_key(), datetime.now(UTC))
    from flows.count import count

    quiet_prefect_tracebacks()
    sealed = count(str(contest_file), where.uri)
    out.print(f"sealed result stored as {sealed}; only its hash is in the ledger. Nothing is shown before the declaration.",
              soft_wrap=True)


@app.command()
@clean_errors
def declare(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")],
    ceremony: Annotated[Path, typer.Option("--ceremony", help="the key ceremony's record")],
    out_dir: Annotated[Path, typer.Option("--out", help="where the declaration, reports and recount bundle go")],
    contribution: Annotated[
        list[Path] | None,
        typer.Option("--contribution", help="a member's signed contribution, one per member (else those in the store)"),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Open the sealed result with a quorum's contributions, declare it, print who is elected, and publish the reports.

    The ledger's signing key comes from COLLEGE_RECEIPT_KEY, as `college secrets export KEYFILE` prints it (and COLLEGE_COUNT_KEY opens contributions put into the store, when no --contribution is given)."""
    from flows.secrets import count_key, receipt_key

    contest, data = read_contest(contest_file)
    where = store_from(store or None, default=contest.store)
    record = load_ceremony(ceremony)
    ledger = Ledger(where)
    check_receipt_key(ledger, receipt_key(), None)
    paths = [str(p) for p in contribution] if contribution else None
    shares = [load_contribution(p) for p in paths] if paths else stored_contributions(
        where, sealed_result(ledger.entries(), where), contest, count_key())
    before_declare(contest, data, str(contest_file), ledger, record, shares)
    from flows.declare import declare as declare_flow

    quiet_prefect_tracebacks()
    folder = Path(declare_flow(str(contest_file), str(ceremony), paths, str(out_dir), where.uri))
    declaration = read_declaration(folder / "declaration.json")
    out.print(elected_line(declaration.result), markup=False, highlight=False)
    out.print(f"declared. Reports: {folder / 'reports'}; recount bundle: {folder / 'bundle'}", soft_wrap=True)


@app.command("dry-run")
@clean_errors
def dry_run(
    out_dir: Annotated[Path, typer.Option("--out", help="where each dry run's folder is made")] = Path("dry-runs"),
    seed: Annotated[int, typer.Option("--seed", help="the generated contest's seed (its figures repeat with it)")] = 1,
    scale: Annotated[str, typer.Option("--scale", help="tiny, small or national")] = "small",
    faults: Annotated[bool, typer.Option("--faults", help="inject the faults a rehearsal must see caught")] = False,
    store: Annotated[  # never COLLEGE_STORE: a rehearsal must not write into the real count's store
        str | None, typer.Option("--store", metavar="URI", help="s3://bucket/prefix or a folder (default: in the run's folder)")
    ] = None,
) -> None:
    """Rehearse the whole count on a generated contest. Every output says DRY RUN.

    Keys, sealed returns, ingest, the count under embargo, a committee quorum declaring, reports."""
    from college.dry_run.simulation import SCALES

    if scale not in SCALES:
        raise CollegeError(f"--scale must be one of {', '.join(SCALES)}", field="--scale")
    from flows.dry_run import dry_run as rehearse

    with out.status("starting") as status:
        run = rehearse(out_dir, production_stages(), seed=seed, scale=scale, faults=faults, store=store, step=lambda text: _step(status, text))
    table = Table(title="DRY RUN: what the rehearsal checked", show_lines=False)
    for column in ("submission or check", "expected", "found", ""):
        table.add_column(column)
    for check in run.checks:
        table.add_row(check.what, check.expected, check.found, "ok" if check.ok else "FAILED")
    out.print(table)
    out.print("Reasons the ledger records:")
    for check in run.checks:
        if check.reason:
            out.print(f"  {check.what}: {check.reason}", markup=False, highlight=False)
    declared = run.folder / "published" / "declaration.json"
    if declared.is_file():
        out.print(f"DRY RUN {elected_line(read_declaration(declared).result)}", markup=False, highlight=False)
    out.print(f"DRY RUN of {run.contest_id} finished in {run.seconds:.1f} s")
    out.print(f"store: {run.store}")
    out.print(f"reports: {run.reports}  (open {run.reports / 'report.html'})")
    script = sys.argv[0] if Path(sys.argv[0]).name == "college" else "college"
    out.print("To open this dry run's service in a browser (as scrutineers, the committee and the public see it), run", markup=False)
    out.print(
        f"  COLLEGE_RECEIPT_PUBLIC_KEY={run.receipt_key} {script} serve {run.folder / 'contest.toml'} "
        f"--store {run.store} --ceremony {run.folder / 'ceremony.json'} --publish {run.folder / 'service'}",
        markup=False, highlight=False, soft_wrap=True,
    )
    out.print("  then open http://localhost:8080/ (Ctrl-C stops it)", markup=False, highlight=False)
    if not run.ok:
        raise typer.Exit(1)


def production_stages():
    """The service and the production flows, for the dry run to drive: the edge composes them, as no
    flow imports another."""
    from flows.count import count, resume_paused_count
    from flows.declare import declare
    from flows.dry_run import Stages

    return Stages(serve=_serve, count=count, declare=declare, resume=resume_paused_count)


def _serve(contest_file: Path, store_uri: str, ceremony: Path, publish: Path):
    """The count's web service for the dry run: in a thread of this process, on a free port of this
    machine, with ingest embedded; every upload comes from this one client, so no rate limit binds."""
    import socket

    from college.inbox import MAX_UPLOAD_BYTES
    from college.service.app import Background
    from college.service.security import Limits
    from college.service.state import Config

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    limits = Limits(upload_bytes=MAX_UPLOAD_BYTES, uploads_per_minute=100_000, requests_per_minute=100_000)
    config = Config(contest_file=contest_file, store=store_uri, public_url=f"http://localhost:{port}",
                    ceremony_file=ceremony, publish_dir=publish, limits=limits)
    return Background(config, port=port)


def _step(status, text: str) -> None:
    out.print(f"[dim]-[/dim] {text}", highlight=False)
    status.update(text)
