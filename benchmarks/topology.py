"""Production-topology benchmark (printed, not a test): 1,000 sealed returns uploaded through the
service, ingested by two workers on PostgreSQL, against the same with one worker on SQLite.

    .venv/bin/python benchmarks/topology.py [--returns 1000] [--bodies 500] [--clients 4]

Each configuration is set up as docs/roles/deploying.md says, with the helpers the test suite
uses (tests/topology.py): moto's S3 server with IAM enforced and each role's own keys, the
Prefect server (on PostgreSQL, or on SQLite in its PREFECT_HOME), a process work pool and its
workers, the deployments, and `college serve --ingest deployment`. A contest of `--bodies`
registered affiliates (tests/ingest_world.py) sends `--returns` sealed returns through the
service's API from `--clients` threads (a body's later return supersedes its earlier one).

Printed for each: how long the uploads took, the time from the first upload until every
receipt is issued, and the peak resident memory of each process (for PostgreSQL and the
workers also the largest process each started: a database backend, a flow run), sampled
every 0.2 s from /proc.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from college.cli import COMMANDS  # noqa: E402
from college.folders import RECEIPTS  # noqa: E402
from college.ingest import inbox_key  # noqa: E402
from college.signing import digest, public_text  # noqa: E402
from college.store import S3Store  # noqa: E402
from tests.ingest_world import body_ids, make_college  # noqa: E402
from tests.topology import BIN, POOL, Account, Topology, descendants, free_port, wait_for  # noqa: E402
from tests.topology import college as tool  # noqa: E402

BUCKET = "college-benchmark"
SERVICE = "serve" in COMMANDS  # the web service (issue 16), once it is on main
UNANNOUNCED: list[str] = []  # uploads whose event the Prefect server did not take


class Peaks:
    """The peak resident memory (VmHWM) of each watched process and of the largest of its descendants."""

    def __init__(self, processes):
        self.processes = processes
        self.own: dict[str, int] = {}
        self.child: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for process in self.processes:
                if not process.alive():
                    continue
                self.own[process.name] = max(self.own.get(process.name, 0), _peak_kib(process.pid))
                for pid in descendants(process.pid):
                    self.child[process.name] = max(self.child.get(process.name, 0), _peak_kib(pid))


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(label: str, postgres: bool, workers: int, returns: int, bodies: int, clients: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="college-topology-bench-"))
    place = Topology(folder)
    try:
        place.start_prefect_server(place.start_postgres() if postgres else None)
        account = Account(place.start_s3())
        account.make_bucket(BUCKET)
        college = make_college(folder / "contest", bodies=bodies)
        store = S3Store(BUCKET, client=account.client("admin"))
        place.prefect("work-pool", "create", POOL, "--type", "process")
        place.secret_blocks(folder, {"college-count-key": college.count_key, "college-receipt-key": college.receipt_key})
        place.deploy(college.contest_file, folder)
        tool("store", "init", str(college.contest_file), "--store", store.uri, env=place.env | account.environment("admin"))
        worker_env = place.env | account.environment("workers") | {
            "COLLEGE_STORE": store.uri, "COLLEGE_COUNT_KEY_BLOCK": "college-count-key",
            "COLLEGE_RECEIPT_KEY_BLOCK": "college-receipt-key",
        }
        for name in "ab"[:workers]:
            place.start_worker(name, worker_env)
        upload = _service(place, account, college, store, folder, returns) if SERVICE else _inbox(place, account, store)
        ids = body_ids(bodies)
        sealed = [college.sealed(ids[n % bodies]) for n in range(returns)]
        with Peaks(place.processes) as peaks:
            started, wall_started = time.perf_counter(), time.time()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(upload, sealed))
            uploaded = time.perf_counter()
            shas = {digest(data) for data in sealed}
            wait_for("every receipt", lambda: len(store.list(f"{RECEIPTS}/")) >= len(shas), 3600, 1.0)
            receipted = time.perf_counter()
        first_run = place.api("POST", "/flow_runs/filter", {
            "flows": {"name": {"any_": ["ingest"]}}, "flow_runs": {"start_time": {"is_null_": False}},
            "sort": "START_TIME_ASC", "limit": 1})
        began = datetime.fromisoformat(first_run[0]["start_time"]).timestamp() if first_run else None
        return {
            "label": label, "uploads_s": uploaded - started, "receipts_s": receipted - started,
            "first_run_s": began - wall_started if began else None, "runs": _ingest_runs(place),
            "own": peaks.own, "child": peaks.child,
        }
    finally:
        place.stop()


def _ingest_runs(place) -> dict[str, int]:
    """How many ingest runs the upload events made, by state, when the last receipt was issued."""
    counts = {}
    for state in ("COMPLETED", "RUNNING", "PENDING", "SCHEDULED", "CANCELLED", "CANCELLING", "CRASHED", "FAILED"):
        found = place.api("POST", "/flow_runs/count", {"flows": {"name": {"any_": ["ingest"]}},
                                                      "flow_runs": {"state": {"type": {"any_": [state]}}}})
        if found:
            counts[state.lower()] = found
    return counts


def _service(place, account, college, store, folder, returns):
    """The public door, `college serve --ingest deployment --no-committee`, with the service's keys; an upload
    is a POST to its API."""
    port = free_port()
    service = place.start(
        "service",
        [str(BIN / "college"), "serve", str(college.contest_file), "--store", store.uri, "--host", "127.0.0.1",
         "--port", str(port), "--ingest", "deployment", "--no-committee", "--uploads-per-minute", str(10 * returns),
         "--requests-per-minute", str(10 * returns), "--publish", str(folder / "public")],
        place.env | account.environment("service") | {"COLLEGE_RECEIPT_PUBLIC_KEY": public_text(college.receipt_key)},
    )
    url = f"http://127.0.0.1:{port}"
    wait_for("the service", lambda: _answers(url), 120, 0.3, service.log)
    http = httpx.Client(base_url=url, timeout=60)

    def upload(data: bytes) -> None:
        answer = http.post("/api/v1/returns", content=data, headers={"Content-Type": "application/octet-stream"})
        assert answer.status_code == 202, answer.text

    return upload


def _inbox(place, account, store):
    """Without the service: what its upload does, a put into the inbox with the service's keys and the event."""
    door = S3Store(store.bucket, client=account.client("service"))

    def upload(data: bytes) -> None:
        key = inbox_key(data, datetime.now(UTC))
        door.put(key, data)
        try:
            place.announce(store.uri, key, digest(data))
        except OSError:  # as the service does: the bytes are kept, the 60-second schedule takes them
            UNANNOUNCED.append(key)

    return upload


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/", timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1000)
    parser.add_argument("--bodies", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    print(f"{args.returns} sealed returns from {args.bodies} bodies, {args.clients} clients, "
          + ("through the service" if SERVICE else "put into the inbox with the service's keys and announced"), flush=True)
    for label, postgres, workers in (("PostgreSQL, two workers", True, 2), ("SQLite, one worker", False, 1)):
        UNANNOUNCED.clear()
        show(run(label, postgres, workers, args.returns, args.bodies, args.clients))


def show(result: dict) -> None:
    """Each configuration's figures as soon as it is done."""
    runs = ", ".join(f"{n} {state}" for state, n in result["runs"].items())
    print(f"\n{result['label']}: uploads {result['uploads_s']:.1f} s; every receipt {result['receipts_s']:.1f} s "
          f"after the first upload; the first ingest run began {result['first_run_s']:.1f} s after it; ingest runs: {runs}")
    for name in sorted(result["own"]):
        child = result["child"].get(name)
        extra = f" (largest process it started: {child / 1024:.0f} MiB)" if child else ""
        print(f"  {name:15} peak {result['own'][name] / 1024:6.0f} MiB{extra}")
    if UNANNOUNCED:
        print(f"  {len(UNANNOUNCED)} uploads' events refused or timed out by the Prefect server")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
