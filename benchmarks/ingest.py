"""Ingest benchmark (printed, not a test): 1,000 sealed returns through the Prefect ingest flow.

    .venv/bin/python benchmarks/ingest.py [--returns 1000] [--bodies 500]

A contest of `--bodies` registered affiliates (tests/ingest_world.py) sends `--returns`
sealed returns into a local store's inbox (each body a first return, then corrections
that supersede it). The embedded Prefect server is started first with a trivial flow, so
the figure is the ingest flow alone: keep each file under its hash, record it, open and
check it, record the outcome and sign the receipt. Target: under 30 s on this machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="pf-bench-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from college.ingest import status  # noqa: E402
from college.ledger import Ledger  # noqa: E402
from college.store import LocalStore  # noqa: E402
from tests.ingest_world import body_ids, make_college  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--bodies", type=int, default=500)
    args = parser.parse_args()

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="college-ingest-bench-"))
    college = make_college(folder, bodies=args.bodies)
    os.environ.update(college.environment())
    store = LocalStore(folder / "store")
    bodies = body_ids(args.bodies)
    for number in range(args.returns):
        store.put(f"inbox/{number:06d}.sealed", college.sealed(bodies[number % len(bodies)]))
    prepared = time.perf_counter()

    from prefect import flow

    from flows.ingest import ingest

    @flow
    def warm_up() -> None:
        """Starts the embedded server, so the figure below is the ingest flow's own."""

    warm_up()
    warm = time.perf_counter()
    summary = ingest(str(college.contest_file), store.uri)
    done = time.perf_counter()

    report = status(college.contest, Ledger(store).entries())
    receipts = len(store.list("receipts/"))
    superseded = sum(len(b.superseded) for b in report.bodies)
    print(f"returns sealed and put in the inbox: {args.returns} from {args.bodies} bodies ({prepared - started:.1f} s)")
    print(f"embedded Prefect server started: {warm - prepared:.1f} s")
    print(f"ingest flow: {done - warm:.1f} s wall, {args.returns / (done - warm):.0f} returns per second (target < 30 s)")
    print(f"bodies by state: {summary}; receipts: {receipts}; superseded: {superseded}; ledger entries: {report.ledger_entries}")


if __name__ == "__main__":
    main()
