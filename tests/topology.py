"""The production topology on one machine, each part a real process on 127.0.0.1.

docs/roles/deploying.md is the deployer's guide; this module follows it step by step, so the
test suite (tests/test_topology.py) and the benchmark (benchmarks/topology.py) run what the
guide says: PostgreSQL, a Prefect server on it, a process work pool with its workers, an
S3 server (moto's), the deployments from deployments/prefect.yaml and the web service.

Every process is started here and stopped by its own process id (a worker with SIGINT, as
Prefect asks); each one's output goes to a log file in the topology's folder, named in
every error. Waits poll with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PREFECT_YAML = REPO / "deployments" / "prefect.yaml"
POOL = "college-process"
POLICIES = REPO / "deployments" / "policies"


class TopologyError(RuntimeError):
    pass


def free_port() -> int:
    """A port the OS says is free on 127.0.0.1 (it is taken by the server at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], timeout: float, interval: float = 0.2, log: Path | None = None):
    """Poll `check` until it returns something true; its value, or TopologyError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise TopologyError(f"{what}: not within {timeout:.0f} s" + (f"; {log}:\n{tail}" if log else ""))
        time.sleep(interval)


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (postgresql-NN in /usr/lib/postgresql/NN/bin), newest first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@dataclass
class Process:
    """One started program: its Popen, its log, and how it is stopped."""

    name: str
    popen: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGINT

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """Its own signal to its own pid, then SIGKILL to that pid if it has not ended by the deadline."""
        if not self.alive():
            return
        os.kill(self.pid, self.stop_signal)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill_with_descendants(self) -> list[int]:
        """The machine under it dies: SIGKILL to this process and every process it started
        (a worker's flow runs run in sessions of their own), each by its pid; the pids killed."""
        doomed = [self.pid, *descendants(self.pid)]
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(10)
        return doomed

    def ran(self, run_name: str) -> bool:
        """Whether this worker's log says it started that flow run (a worker that tried and lost
        the run to another says only that it was submitting it)."""
        return f"Flow run '{run_name}' submitted to infrastructure" in self.log.read_text(errors="replace")


def college(*args: str, env: dict[str, str]) -> str:
    """A `college` command; its output, or TopologyError with what it said."""
    done = subprocess.run([str(BIN / "college"), *args], env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    if done.returncode:
        raise TopologyError(f"college {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def descendants(pid: int) -> list[int]:
    """Every living process below `pid`, read from /proc before anything is killed."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Topology:
    """The processes of a count beyond one machine, started in order and stopped in reverse."""

    folder: Path
    processes: list[Process] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # what every client of the server needs
    database_url: str = ""
    api_url: str = ""
    s3_endpoint: str = ""
    pg_folder: Path | None = None
    auth: str = ""

    def start(self, name: str, args: list[str], env: dict[str, str], stop_signal: int = signal.SIGINT, **popen) -> Process:
        log = self.folder / "logs" / f"{name}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("ab") as out:
            popen_ = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=popen.pop("cwd", REPO), **popen,
            )
        process = Process(name, popen_, log, stop_signal)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self.pg_folder:
            shutil.rmtree(self.pg_folder, ignore_errors=True)

    # --- 1. PostgreSQL ----------------------------------------------------------------

    def start_postgres(self) -> str:
        """A cluster on a fresh data directory and a free port, a role and a database for Prefect.
        initdb and postgres refuse to run as root: as root they run as the `postgres` user."""
        bindir = postgres_bin()
        if bindir is None:
            raise TopologyError("PostgreSQL is not installed (make test installs Debian's postgresql)")
        as_user: dict = {}
        folder = Path(tempfile.mkdtemp(prefix="college-pg-"))
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(folder, account.pw_uid, account.pw_gid)
        password = os.urandom(12).hex()
        (folder / "pw").write_text(password)
        if as_user:
            os.chown(folder / "pw", as_user["user"], as_user["group"])
        data = folder / "data"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        made = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "prefect", f"--pwfile={folder / 'pw'}",
             "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
            env=env, capture_output=True, text=True, cwd=folder, **as_user,
        )
        if made.returncode:
            raise TopologyError(f"initdb failed: {made.stderr.strip()}")
        port = free_port()
        server = self.start(
            "postgres",
            [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-c", "listen_addresses=127.0.0.1",
             "-c", f"unix_socket_directories={folder}", "-c", "max_connections=200"],
            env, cwd=folder, **as_user,
        )
        self.pg_folder = folder
        client = env | {"PGPASSWORD": password}

        def database_made() -> bool:
            if not server.alive():
                raise TopologyError(f"postgres ended; {server.log}:\n{server.log.read_text(errors='replace')[-2000:]}")
            done = subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "prefect"],
                env=client, capture_output=True, text=True,
            )
            return done.returncode == 0

        wait_for("PostgreSQL accepting connections", database_made, 60, 0.3, server.log)
        self.database_url = f"postgresql+asyncpg://prefect:{password}@127.0.0.1:{port}/prefect"
        return self.database_url

    # --- 2. the Prefect server ----------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        home = self.folder / "prefect-home"
        home.mkdir(exist_ok=True)
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "COLLEGE_", "AWS_"))},
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }

    def start_prefect_server(self, database_url: str | None = None) -> str:
        """`prefect server start` on PostgreSQL (or on SQLite in its PREFECT_HOME without a URL)."""
        port = free_port()
        env = self.base_env()
        self.auth = f"college:{os.urandom(12).hex()}"  # the server's basic-auth "user:password"
        env["PREFECT_SERVER_API_AUTH_STRING"] = self.auth
        if database_url:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
        server = self.start("prefect-server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                               "--port", str(port)], env)
        self.api_url = f"http://127.0.0.1:{port}/api"

        def healthy() -> bool:
            if not server.alive():
                raise TopologyError(f"the Prefect server ended; see {server.log}:\n{server.log.read_text(errors='replace')[-3000:]}")
            try:
                return self.api("GET", "/health") is True
            except OSError:
                return False

        wait_for("the Prefect server's /api/health", healthy, 180, 0.3, server.log)
        self.env = self.base_env() | {"PREFECT_API_URL": self.api_url, "PREFECT_API_AUTH_STRING": self.auth}
        return self.api_url

    def api(self, method: str, path: str, body: dict | None = None):
        """One call to the Prefect server's REST API; its JSON answer."""
        request = urllib.request.Request(
            f"{self.api_url}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": "Basic " + base64.b64encode(self.auth.encode()).decode()},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def announce(self, store_uri: str, inbox_key: str, sha: str) -> None:
        """The event an upload sends (flows/ingest.py `announce`), through the server's events API."""
        self.api("POST", "/events", [{
            "id": str(uuid.uuid4()), "occurred": datetime.now(UTC).isoformat(), "event": "college.inbox.object-created",
            "resource": {"prefect.resource.id": f"college.inbox.{sha}", "college.store": store_uri, "college.key": inbox_key},
        }])

    def prefect(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
        """A `prefect` command against the server; its output, or TopologyError naming it."""
        done = subprocess.run([str(BIN / "prefect"), *args], env=env or self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if done.returncode:
            raise TopologyError(f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # --- 3. S3 --------------------------------------------------------------------------

    def start_s3(self, enforce_iam: bool = False) -> str:
        """moto's S3 server. With `enforce_iam`, every request after the first is checked against
        the IAM users and policies made on it (moto's INITIAL_NO_AUTH_ACTION_COUNT)."""
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        if enforce_iam:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        server = self.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env)
        self.s3_endpoint = f"http://127.0.0.1:{port}"

        def answering() -> bool:
            if not server.alive():
                raise TopologyError(f"moto_server ended; see {server.log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        wait_for("moto's S3 server", answering, 60, 0.2, server.log)
        return self.s3_endpoint

    # --- 4. the work pool, the keys and the workers --------------------------------------

    def secret_blocks(self, folder: Path, keys: dict[str, object]) -> None:
        """Each key, written as `college keygen` writes it, into the Prefect Secret block of its
        name with `college secrets block` (docs/roles/deploying.md)."""
        from college.signing import write_private_key

        env = self.env | {"COLLEGE_KEY_PASSPHRASE": "the party scrutineer's passphrase"}
        for name, key in keys.items():
            write_private_key(folder / f"{name}.key", key, env["COLLEGE_KEY_PASSPHRASE"])
            college("secrets", "block", str(folder / f"{name}.key"), "--name", name, env=env)

    def deploy(self, contest_file: Path, folder: Path) -> None:
        """`prefect deploy --all` from deployments/prefect.yaml, with the paths the guide names."""
        env = self.env | {
            "COLLEGE_REPO": str(REPO), "COLLEGE_CONTEST": str(contest_file),
            "COLLEGE_CEREMONY": str(folder / "ceremony.json"), "COLLEGE_PUBLISHED": str(folder / "published"),
            "COLLEGE_NOMINATIONS": str(folder / "nominations.toml"), "COLLEGE_NOMINATIONS_OUT": str(folder / "nominations"),
        }
        self.prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_YAML), env=env)

    def start_worker(self, name: str, env: dict[str, str], limit: int = 1) -> Process:
        """`prefect worker start` on the pool; it polls every second (PREFECT_WORKER_QUERY_SECONDS)."""
        worker = self.start(
            f"worker-{name}",
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name, "--limit", str(limit)],
            env | {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"},
        )

        def online() -> bool:
            if not worker.alive():
                raise TopologyError(f"worker {name} ended; see {worker.log}")
            return name in {w["name"] for w in self.api("POST", f"/work_pools/{POOL}/workers/filter", {})}

        wait_for(f"worker {name} polling", online, 120, 0.5, worker.log)
        return worker


def s3_as(endpoint: str, access_key: str = "testing", secret_key: str = "testing", service: str = "s3"):
    """A boto3 client for `endpoint` with these credentials (moto's defaults before IAM is enforced)."""
    import boto3

    session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name="us-east-1")
    return session.client(service, endpoint_url=endpoint)


BUCKET = "college-store"  # the bucket name the policy documents carry; another name replaces it
ROLES = ("service", "workers", "committee")
EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def policy(name: str, bucket: str = BUCKET) -> str:
    """A document of deployments/policies/ for the bucket named `bucket`."""
    return (POLICIES / f"{name}.json").read_text().replace(BUCKET, bucket)


class Account:
    """The S3 account on moto's server, as docs/roles/deploying.md sets it up: an administrator,
    a user per role whose policy is its document, IAM enforced from then on (moto's
    /moto-api/reset-auth), and buckets made with versioning, Object Lock and the bucket policy."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        iam = s3_as(endpoint, service="iam")
        iam.create_user(UserName="college-admin")
        iam.put_user_policy(UserName="college-admin", PolicyName="college-admin", PolicyDocument=EVERYTHING)
        made = iam.create_access_key(UserName="college-admin")["AccessKey"]
        self.keys = {"admin": (made["AccessKeyId"], made["SecretAccessKey"])}
        enforce = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(enforce, timeout=10):
            pass
        self.iam = self.client("admin", "iam")
        for role in ROLES:
            self.iam.create_user(UserName=f"college-{role}")
            made = self.iam.create_access_key(UserName=f"college-{role}")["AccessKey"]
            self.keys[role] = (made["AccessKeyId"], made["SecretAccessKey"])

    def client(self, role: str, service: str = "s3"):
        return s3_as(self.endpoint, *self.keys[role], service=service)

    def environment(self, role: str) -> dict[str, str]:
        """What a role's process needs to reach the bucket with its own keys."""
        key, secret = self.keys[role]
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
                "COLLEGE_S3_ENDPOINT_URL": self.endpoint}

    def make_bucket(self, name: str) -> None:
        """The bucket with versioning and Object Lock, its policy, and each role's policy on it."""
        from college.store import create_bucket

        admin = self.client("admin")
        create_bucket(admin, name)
        admin.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=json.loads(policy("object-lock")))
        admin.put_bucket_policy(Bucket=name, Policy=policy("bucket", name))
        for role in ROLES:
            self.iam.put_user_policy(UserName=f"college-{role}", PolicyName=f"college-{role}-{name}",
                                     PolicyDocument=policy(role, name))
