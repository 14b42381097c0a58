"""`college serve`: the count's web service, for scrutineers, the Procedures Committee and the public.

The service (college/service/) runs on uvicorn. On embedded defaults it needs nothing else:
the store is a local folder (or the contest file's store), Prefect runs on its local
SQLite, and ingest runs inside the service after each upload. In production it sits
behind a TLS reverse proxy, with S3 and a Prefect server (docs/service.md).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from college.cli.application import StoreOption, app, clean_errors, err
from college.errors import CollegeError


@app.command()
@clean_errors
def serve(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")],
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="the address to listen on (behind a proxy: 127.0.0.1)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="the port to listen on")] = 8080,
    public_url: Annotated[
        str | None,
        typer.Option("--public-url", help="the address people open, e.g. https://count.example.org "
                     "(passkeys are bound to it; default http://localhost:PORT)"),
    ] = None,
    ceremony: Annotated[Path | None, typer.Option("--ceremony", help="the key ceremony's record: lets members hand in contributions")] = None,
    publish: Annotated[Path, typer.Option("--publish", help="where the declared result's reports are written for the public "
                                                           "pages (in a folder named by the declaration's SHA-256)")] = Path("published"),
    ingest: Annotated[
        str, typer.Option("--ingest", help="embedded: ingest, the count and the declaration run in the service; deployment: "
                          "they run as deployments on the workers (each upload emits the event that triggers ingest)")
    ] = "embedded",
    max_upload_bytes: Annotated[int, typer.Option("--max-upload-bytes", help="the largest upload accepted")] = 64 * 2**20,
    uploads_per_minute: Annotated[int, typer.Option("--uploads-per-minute", help="uploads allowed per client per minute")] = 120,
    requests_per_minute: Annotated[int, typer.Option("--requests-per-minute", help="other requests allowed per client per minute")] = 600,
    committee: Annotated[
        bool, typer.Option("--committee/--no-committee", help="serve the committee's pages (sign-in, dashboard, decisions); "
                           "a public door that may put only into the inbox runs with --no-committee (docs/roles/deploying.md)")
    ] = True,
    dashboard_refresh: Annotated[
        int, typer.Option("--dashboard-refresh", min=0, help="seconds between the committee dashboard's own refreshes; 0: never")
    ] = 15,
) -> None:
    """Run the count's web service: uploads and receipts, the committee's dashboard, the public pages."""
    if ingest not in ("embedded", "deployment"):
        raise CollegeError("--ingest must be embedded or deployment", field="--ingest")
    import uvicorn

    from college.service.app import create_app
    from college.service.security import Limits
    from college.service.state import Config

    config = Config(
        contest_file=contest_file, store=store, public_url=(public_url or f"http://localhost:{port}").rstrip("/"),
        ingest=ingest, ceremony_file=ceremony, publish_dir=publish,
        limits=Limits(max_upload_bytes, uploads_per_minute, requests_per_minute), committee=committee,
        dashboard_refresh=dashboard_refresh,
    )
    application = create_app(config)
    service = application.state.service
    if service.receipt_key is None:
        err.print("warning: no receipt key (COLLEGE_RECEIPT_KEY or COLLEGE_RECEIPT_PUBLIC_KEY): receipts cannot be checked here",
                  markup=False)
    if ingest == "embedded" and not service.ingest.runnable:
        err.print("warning: no count key (COLLEGE_COUNT_KEY or COLLEGE_COUNT_KEY_BLOCK): uploads are kept in the inbox, "
                  "and ingest does not run here", markup=False)
    err.print(f"serving {service.contest.id} from {service.store.uri} on http://{host}:{port} (open {config.public_url})",
              markup=False, highlight=False, soft_wrap=True)
    # uvicorn re-raises the SIGTERM it stopped on once it is done; exiting normally then lets Prefect stop
    # the temporary server it started for embedded ingest (at exit), instead of leaving it running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Access logs name paths and hashes only; no figure is in any URL.
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=True, server_header=False)
