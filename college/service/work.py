"""The flows the service starts: ingest after each upload, the count, the declaration.

The service is an edge like the command line: it starts the Prefect flows of `flows/`
(imported here, lazily, inside the thread that runs them) and never does their work itself.

- Embedded ingest (the default): a background thread runs the ingest flow as soon as an
  upload arrives (uploads that arrive while it runs are taken by the next run) and once a
  minute besides, on Prefect's local SQLite; receipts follow within seconds.
- Deployment ingest (production, a Prefect server and workers): the upload emits the
  `college.inbox.object-created` event that triggers the ingest deployment
  (deployments/prefect.yaml), exactly as `college submit` does. The committee's count and
  declaration then run as the `count` and `declare` deployments on the workers too: the
  service puts the members' contributions into the store sealed to the count key, and waits
  for each run to end.

Log lines name the flow and the error's rule, never a figure: the embargoed steps'
errors are withheld by the flows themselves (flows/tasks.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from college.errors import CollegeError

log = logging.getLogger("college.service")
INTERVAL = 60.0  # seconds between ingest runs when nothing wakes the worker


def _said(error: Exception) -> str:
    """What a log line may say of an error: a CollegeError's own message (procedure only), else its type."""
    return str(error) if isinstance(error, CollegeError) else f"unexpected {type(error).__name__}"


class Ingest:
    def __init__(self, contest_file: Path, store_uri: str, mode: str, interval: float = INTERVAL):
        self.contest_file, self.store_uri, self.mode, self.interval = contest_file, store_uri, mode, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="college-ingest", daemon=True)
        self.runs = 0
        self.problem: str | None = None  # why the last run failed, if it did (procedure only)

    @property
    def runnable(self) -> bool:
        """Embedded ingest needs the count key (or its Secret block); without it uploads wait in the inbox."""
        from college.ceremony import COUNT_KEY_VARIABLE

        return self.mode == "embedded" and any(os.environ.get(v) for v in (COUNT_KEY_VARIABLE, f"{COUNT_KEY_VARIABLE}_BLOCK"))

    def start(self) -> None:
        if self.runnable:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    def arrived(self, inbox_key: str, sha: str) -> None:
        """A submission is in the inbox: run ingest now (embedded) or tell the Prefect server (deployment;
        Prefect's events client queues the event and sends it from its own thread)."""
        if self.mode == "embedded":
            self._wake.set()
            return
        from flows.ingest import announce

        try:
            announce(self.store_uri, inbox_key, sha)
        except Exception as error:  # noqa: BLE001 - the bytes are kept; the deployment's schedule finds them
            log.warning("could not announce %s to the Prefect server (%s); the scheduled ingest will take it", sha, _said(error))

    def _run(self) -> None:
        from flows.ingest import ingest

        while not self._stop.is_set():
            self._wake.clear()
            try:
                ingest(str(self.contest_file), self.store_uri)
                self.problem = None
            except Exception as error:  # noqa: BLE001 - the next upload or tick tries again; nothing is lost
                self.problem = _said(error)
                log.warning("ingest run failed: %s", self.problem)
            self.runs += 1
            self._wake.wait(self.interval)


class Runner:
    """One flow at a time in a background thread (the count, or the declaration); remembers how it ended."""

    def __init__(self, name: str):
        self.name = name
        self._thread: threading.Thread | None = None
        self.problem: str | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, target, *args) -> bool:
        with self._lock:
            if self.running:
                return False
            self.problem = None
            self._thread = threading.Thread(target=self._run, args=(target, *args), name=f"college-{self.name}", daemon=True)
            self._thread.start()
            return True

    def _run(self, target, *args) -> None:
        try:
            target(*args)
        except Exception as error:  # noqa: BLE001 - shown on the committee's dashboard, procedure only
            self.problem = _said(error)
            log.warning("%s failed: %s", self.name, self.problem)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def run_count(contest_file: Path, store_uri: str, mode: str) -> None:
    if mode == "deployment":
        from flows.tasks import run_and_wait

        run_and_wait("count/count")
        return
    from flows.count import count

    count(str(contest_file), store_uri, pause_timeout=6 * 3600)


def run_declaration(contest_file: Path, ceremony_file: Path, contributions: dict[str, bytes], store_uri: str, mode: str) -> None:
    """The declaration with the members' contributions. Embedded, the flow runs here with them on
    disk only while it runs; deployed, they go into the store sealed to the count key, as
    `college ceremony contribute --to-store` puts them, for the declare deployment. The service
    publishes the declaration from the store (Service.declared), not from the flow's folder."""
    if mode == "deployment":
        from flows.tasks import run_and_wait

        _store_contributions(contest_file, contributions, store_uri)
        run_and_wait("declare/declare")
        return
    from flows.declare import declare

    folder = Path(tempfile.mkdtemp(prefix="college-declaration-"))  # mode 0700
    try:
        paths = []
        for number, data in enumerate(contributions.values()):
            path = folder / f"contribution-{number}.json"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            paths.append(str(path))
        declare(str(contest_file), str(ceremony_file), paths, str(folder / "out"), store_uri)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _store_contributions(contest_file: Path, contributions: dict[str, bytes], store_uri: str) -> None:
    from college.ceremony import contribution_key, seal_contribution
    from college.contest import load_contest
    from college.ledger import Ledger
    from college.preconditions import sealed_result
    from college.store import store_from

    store = store_from(store_uri)
    contest = load_contest(contest_file)
    sealed = sealed_result(Ledger(store).entries(), store)
    for member, data in contributions.items():
        store.put(contribution_key(sealed, member), seal_contribution(data, contest))
