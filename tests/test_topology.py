"""Beyond one machine, proven (issue 17): PostgreSQL, a Prefect server on it, a process work pool
with two workers, moto's S3 server and the web service, each a real process on 127.0.0.1, set
up as docs/roles/deploying.md says, and a small contest taken end to end through them: uploads
through the public door, ingest on both workers, then the count and the declaration started from
the committee's own instance of the service and run as deployments.

The checks: the ledger verifies with no event recorded twice; every receipt verifies; every
uploaded byte string is in the store; the declared result equals an independent count of the
same profiles (`college count`). One run kills a worker (and the flow run it started) in the
middle of ingest; the other worker finishes with nothing lost.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from college.enrolment import enrolment_token
from college.declaration import Declaration
from college.events import RECEIVED
from college.folders import CONTRIBUTIONS, INBOX, RECEIPTS
from college.folders import RECEIVED as RECEIVED_PREFIX
from college.ledger import Ledger
from college.receipts import verify_receipt
from college.dry_run.rehearsal import Rehearsal, rehearse
from college.signing import digest
from college.store import S3Store
from flows.dry_run import DECLARING_MEMBERS, _contribute, checks
from tests.service_world import Visitor
from tests.topology import BIN, POOL, Account, Topology, college, free_port, postgres_bin, wait_for

pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL is not installed (make test installs Debian's postgresql)"),
]

COUNT_KEY_BLOCK = "college-count-key"
RECEIPT_KEY_BLOCK = "college-receipt-key"
OUTCOMES = ("accepted", "rejected", "late")


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    """Everything but the contest: PostgreSQL, the Prefect server on it, S3, the pool and two workers."""
    place = Topology(tmp_path_factory.mktemp("topology"))
    try:
        place.start_prefect_server(place.start_postgres())
        place.account = Account(place.start_s3())
        place.prefect("work-pool", "create", POOL, "--type", "process")
        place.worker_env = place.env | place.account.environment("workers") | {
            "COLLEGE_COUNT_KEY_BLOCK": COUNT_KEY_BLOCK, "COLLEGE_RECEIPT_KEY_BLOCK": RECEIPT_KEY_BLOCK,
        }
        place.workers = {name: place.start_worker(name, place.worker_env) for name in ("a", "b")}
        yield place
    finally:
        place.stop()


class Run:
    """One contest on the topology: its world, bucket, contest file and deployments."""

    def __init__(self, place: Topology, folder: Path, seed: int):
        self.place, self.folder = place, folder
        self.world: Rehearsal = rehearse(seed, "small", now=datetime.now(UTC))
        self.bucket = f"college-{seed}"
        place.account.make_bucket(self.bucket)
        self.store = S3Store(self.bucket, client=place.account.client("admin"))  # the test's own look at the bucket
        self.contest_file = folder / "contest.toml"
        (folder / "ceremony.json").write_text(self.world.ceremony.model_dump_json(indent=1), encoding="utf-8")
        self.uploaded: dict[str, bytes] = {}

    def open_returns(self, seconds: float = 20) -> None:
        """The contest file, with a returns deadline `seconds` from now (the deployments name its path)."""
        self.deadline = datetime.now(UTC) + timedelta(seconds=seconds)
        self.contest = self.world.contest(self.deadline).model_copy(update={"store": self.store.uri})
        self.contest_file.write_text(
            f'store = "{self.store.uri}"\n' + self.world.contest_text(self.deadline), encoding="utf-8"
        )
        college("store", "init", str(self.contest_file), env=self.place.env | self.place.account.environment("admin"))

    def secret_blocks(self) -> None:
        self.place.secret_blocks(self.folder, {COUNT_KEY_BLOCK: self.world.count_key, RECEIPT_KEY_BLOCK: self.world.receipt_key})

    def deploy(self) -> None:
        self.place.deploy(self.contest_file, self.folder)

    def serve(self) -> None:
        """The public door, `college serve --ingest deployment --no-committee`, with the service's own keys
        (docs/roles/deploying.md, section 6)."""
        port = free_port()
        service = self.place.start(
            "service",
            [str(BIN / "college"), "serve", str(self.contest_file), "--store", self.store.uri, "--host", "127.0.0.1",
             "--port", str(port), "--ingest", "deployment", "--no-committee", "--publish", str(self.folder / "public")],
            self.place.env | self.place.account.environment("service"),
        )
        self.url = f"http://127.0.0.1:{port}"
        wait_for("the service", lambda: _answers(self.url), 120, 0.3, service.log)

    def upload(self, data: bytes) -> None:
        """A scrutineer's upload through the service's API: 202 once the bytes are kept."""
        answer = httpx.post(f"{self.url}/api/v1/returns", content=data, timeout=60,
                            headers={"Content-Type": "application/octet-stream"})
        assert answer.status_code == 202, answer.text
        assert answer.json()["sha256"] == digest(data)
        self.uploaded[digest(data)] = data

    def receipted(self) -> bool:
        return all(self.store.exists(f"{RECEIPTS}/{sha}.json") for sha in self.uploaded)

    def flow_runs(self, flow: str, *states: str) -> list[dict]:
        """This contest's runs of a flow, in these states (Prefect's state types)."""
        runs = self.place.api("POST", "/flow_runs/filter", {"flows": {"name": {"any_": [flow]}}, "limit": 200})
        return [r for r in runs if r["parameters"].get("contest_file") == str(self.contest_file)
                and (not states or r["state"]["type"] in states)]

    def committee_service(self) -> str:
        """The committee's instance, `college serve --ingest deployment --ceremony ...`, with the committee's
        keys and the party scrutineer's key from its Secret block (docs/roles/deploying.md, section 6).
        Its address is `localhost`, the name the members' passkeys are bound to."""
        port = free_port()
        service = self.place.start(
            "committee-service",
            [str(BIN / "college"), "serve", str(self.contest_file), "--store", self.store.uri, "--host", "127.0.0.1",
             "--port", str(port), "--ingest", "deployment", "--ceremony", str(self.folder / "ceremony.json"),
             "--publish", str(self.folder / "committee-public")],
            self.place.env | self.place.account.environment("committee") | {"COLLEGE_RECEIPT_KEY_BLOCK": RECEIPT_KEY_BLOCK},
        )
        url = f"http://localhost:{port}"
        wait_for("the committee's service", lambda: _answers(url), 120, 0.3, service.log)
        return url

    def count_and_declare(self) -> Declaration:
        """After the deadline, through the committee's instance of the service: a quorum of members sign in
        with their passkeys, one starts the count (the count deployment runs on a worker), each hands in
        their contribution, and at the quorum the service puts them into the bucket sealed to the count
        key and runs the declaration deployment."""
        url = self.committee_service()
        members = {member: Visitor(url) for member in DECLARING_MEMBERS}
        for member, visitor in members.items():
            visitor.enrol_and_sign_in(_Tokens(self.world, self.contest), member)
        wait_for("the returns deadline", lambda: datetime.now(UTC) > self.deadline + timedelta(seconds=1), 120, 0.2)
        first = members[DECLARING_MEMBERS[0]]
        started = first.post("/committee/count", data={"csrf": first.csrf("/committee")})
        assert started.status_code == 303, started.text
        counted = wait_for("the count deployment's sealed result",
                           lambda: next((e for e in Ledger(self.store).entries() if e.event == "counted"), None), 240, 0.5)
        sealed = counted.object_hash
        for path in _contribute(self.world, self.folder / "contributions", sealed):
            visitor = members[path.stem]
            handed = visitor.post("/committee/contribution", data={"csrf": visitor.csrf("/committee")},
                                  files={"contribution": (path.name, path.read_bytes())})
            assert handed.status_code == 303, handed.text
        declared = wait_for("the declaration deployment's declaration",
                            lambda: next((e for e in Ledger(self.store).entries() if e.event == "declared"), None), 240, 0.5)
        assert len(self.store.list(f"{CONTRIBUTIONS}/{sealed}/")) == len(DECLARING_MEMBERS)
        for key in self.store.list(f"{CONTRIBUTIONS}/{sealed}/"):  # sealed to the count key: no share in clear
            assert b'"share"' not in self.store.get(key)
        return Declaration.model_validate_json(self.store.get(f"declarations/{declared.object_hash}"))

    def independent_count(self) -> dict:
        """`college count` on the same profiles, one file per body, summed per section."""
        args = []
        for ballot in self.world.simulation.ballots:
            path = self.folder / "profiles" / f"{ballot.body.id}.json"
            path.parent.mkdir(exist_ok=True)
            rows = [{"ranking": list(row.ranking), "count": row.count} for row in ballot.rows]
            path.write_text(json.dumps({"candidates": list(self.world.simulation.candidates), "ballots": rows}))
            args += ["--section", f"{ballot.body.section}={path}"]
        return json.loads(college("count", str(self.contest_file), *args, "--format", "json", env=dict(os.environ)))

    def check_everything_kept(self) -> None:
        """The ledger verifies, no event twice; every upload kept byte for byte; every receipt verifies."""
        ledger = Ledger(self.store)
        entries = ledger.entries()
        assert ledger.verify() == []
        once = Counter(e.once_key for e in entries if e.once_key)
        assert [key for key, n in once.items() if n > 1] == []
        per_object = Counter((e.event, e.object_hash) for e in entries if e.event in (RECEIVED, *OUTCOMES))
        assert [key for key, n in per_object.items() if n > 1] == []
        for sha, data in self.uploaded.items():
            assert self.store.get(f"{RECEIVED_PREFIX}/{sha}") == data
            assert ledger.find(f"{RECEIVED}:{sha}") is not None
        receipts = self.store.list(f"{RECEIPTS}/")
        assert len(receipts) == len(self.uploaded)
        for key in receipts:
            assert verify_receipt(self.store.get(key), self.world.receipt_key.public_key(), ledger) == [], key
        failed = [c for c in checks(self.world, self.contest, self.store, ledger, refused={}) if not c.ok]
        assert failed == []


class _Tokens:
    """What a member signs to bind their passkey (`college committee enrol`), from the rehearsal's keys."""

    def __init__(self, world: Rehearsal, contest):
        self.world, self.contest = world, contest

    def token(self, member: str, passkey: str) -> str:
        return enrolment_token(self.contest, member, self.world.committee_keys[member].signing, datetime.now(UTC),
                               secrets.token_hex(16), passkey)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def worker_of(place: Topology, run: dict) -> str | None:
    """Which worker ran a flow run, as its own log says."""
    return next((name for name, worker in place.workers.items() if worker.ran(run["name"])), None)


def test_a_contest_end_to_end_with_a_worker_killed_in_the_middle_of_ingest(topology, tmp_path):
    run = Run(topology, tmp_path, seed=11)
    run.secret_blocks()
    run.deploy()
    run.open_returns()
    run.serve()
    for submission in run.world.submissions:
        run.upload(submission.data)
    assert max(run.store.stored_at(k) for k in run.store.list(f"{INBOX}/")) < run.deadline

    def both_in_the_middle():
        """Ingest runs under way on both workers at once, some files received, not every receipt issued."""
        if not run.store.list(f"{RECEIVED_PREFIX}/") or run.receipted():
            return None
        running = {worker_of(topology, r): r for r in run.flow_runs("ingest", "RUNNING")}
        return running if set(running) == set(topology.workers) else None

    running = wait_for("ingest under way on both workers at once", both_in_the_middle, 240, 0.1)
    victim = "a"
    topology.workers[victim].kill_with_descendants()
    assert not run.receipted(), "ingest had finished before the worker was killed"
    assert topology.workers["b"].alive()

    wait_for("a receipt for every upload, from the surviving worker", run.receipted, 240, 0.5)
    assert run.place.api("GET", f"/flow_runs/{running[victim]['id']}")["state"]["type"] == "RUNNING"  # as Prefect last heard
    declaration = run.count_and_declare()
    assert {worker_of(topology, r) for r in run.flow_runs("count") + run.flow_runs("declare")} == {"b"}
    run.check_everything_kept()
    independent = run.independent_count()
    assert declaration.result.winner == independent["winner"]
    assert declaration.result.model_dump(mode="json")["rounds"] == independent["rounds"]
    # the results through the service: the declaration it publishes is the one in the bucket
    published = httpx.get(f"{run.url}/results/declaration.json", timeout=60)
    assert published.status_code == 200
    assert Declaration.model_validate_json(published.content) == declaration
    assert httpx.get(f"{run.url}/results", timeout=60).status_code == 200
