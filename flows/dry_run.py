"""A dry run: the whole production path on a generated contest, every output marked DRY RUN.

Issue 8 and seed 003: before the Electoral College meeting, the Procedures Committee and
the party's scrutineer rehearse the count. This drives the real path exactly as the
people would: the count's web service is started (`college serve`, issue 16), scrutineers
upload their sealed returns to it over HTTP (college/dry_run/rehearsal.py makes them), the
service refuses at the door what is not a return signed by its registered key and runs
the ingest flow on the rest, the committee decides on missing returns and ties, the count
flow seals the result, three of the six members contribute their shares, and the
declaration flow opens it and publishes the reports. At the end it checks what a
rehearsal is for: each injected fault caught with the right reason, the ledger intact,
every byte received retrievable, nothing refused stored, every receipt valid.

The service and the production flows it drives are given to it (`Stages`) by the command
that starts it, an edge: a flow never imports another flow, nor the service.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from college.ceremony import contribute, open_share
from college.checkpoints import verify_checkpoints
from college.contest import Contest
from college import folders
from college.decisions import decision_subject, propose, record_decision, sign_ed25519
from college.errors import CollegeError
from college.events import DUPLICATE, SUPERSEDED
from college.ingest import standings
from college.ceremony import MemberKeys
from college.ledger import Entry, Ledger
from college.procedure import ReferredTie, open_ties, tie_decisions
from college.receipts import verify_receipt
from college.dry_run.rehearsal import Rehearsal, rehearse
from college.signing import digest, private_text, public_text
from college.store import Store, store_from
from college.count.ties import lot_draw

Step = Callable[[str], None]
DECLARING_MEMBERS = ("procedures-secretary", "nec-chair", "cac-chair")
# The service checks uploads against the contest file, so the deadline is fixed before it
# starts: this long for it to start and take the on-time files, and a little more per file.
UPLOAD_WINDOW = timedelta(seconds=10)
PER_FILE = timedelta(seconds=0.25)
RECEIPTS_WITHIN = 300  # seconds: the service's ingest decides on every file


class Served(Protocol):
    """What `Stages.serve` gives back: the running service's address, and how to stop it."""

    url: str

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Stages:
    """The service and the production flows the dry run drives, exactly as the people would run them."""

    serve: Callable[[Path, str, Path, Path], Served]  # (contest file, store URI, ceremony, publish folder)
    count: Callable[..., str]  # (contest file, store URI, pause_timeout=) -> the sealed result's store key
    declare: Callable[[str, str, list[str], str, str], object]  # (contest, ceremony, contributions, out, store)
    resume: Callable[[ReferredTie, str], bool]  # tells a paused count the committee's signed decision (its hash) is recorded


@dataclass
class Check:
    what: str
    expected: str
    found: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass
class DryRun:
    folder: Path
    store: str
    contest_id: str
    reports: Path
    receipt_key: str  # the receipts' public key: the dry run's service can be served again with it
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def dry_run(
    out: Path, stages: Stages, *, seed: int = 1, scale: str = "small", faults: bool = False, store: str | None = None,
    step: Step = lambda text: None,
) -> DryRun:
    started = time.monotonic()
    now = datetime.now(UTC)
    step(f"generating a {scale} contest (seed {seed}), keys and sealed returns")
    world = rehearse(seed, scale, faults=faults, now=now)
    folder = Path(out) / f"{world.simulation.contest_id}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True)
    where = store_from(store or folder / "store")
    os.environ["COLLEGE_COUNT_KEY"] = private_text(world.count_key)
    os.environ["COLLEGE_RECEIPT_KEY"] = private_text(world.receipt_key)
    (folder / "ceremony.json").write_text(world.ceremony.model_dump_json(indent=1), encoding="utf-8")

    on_time = [s for s in world.submissions if not s.after_deadline]
    deadline = datetime.now(UTC) + UPLOAD_WINDOW + PER_FILE * len(on_time)
    contest_file = folder / "contest.toml"
    contest_file.write_text(world.contest_text(deadline), encoding="utf-8")
    contest = world.contest(deadline)
    served = stages.serve(contest_file, where.uri, folder / "ceremony.json", folder / "service")
    try:
        step(f"scrutineers upload {len(world.submissions)} files to the service at {served.url}")
        refused: dict[str, tuple[str, str]] = {}
        received = [_upload(served.url, s.data, refused) for s in on_time]
        # The late files go in a full second after the deadline (S3's clock keeps whole seconds).
        if max(received) > deadline:
            raise CollegeError(
                f"the on-time files took longer than the {UPLOAD_WINDOW.seconds} s upload window: the machine is too slow",
                field="deadline",
            )
        _wait_until(deadline + timedelta(seconds=1))
        for submission in [s for s in world.submissions if s.after_deadline]:
            _upload(served.url, submission.data, refused)
        step("ingest: the service receives, checks, records and acknowledges every file")
        kept = {digest(s.data) for s in world.submissions} - set(refused)
        _wait_for_receipts(served.url, sorted(kept))
        result = _rest(world, stages, contest, contest_file, folder, where, step, refused)
    finally:
        served.stop()
    result.seconds = time.monotonic() - started
    return result


def _upload(url: str, data: bytes, refused: dict[str, tuple[str, str]]) -> datetime:
    """POST /api/v1/returns, as `college submit --to` does; a refusal is noted with its rule.
    Returns when the file was received (now, for a refused one)."""
    answer = httpx.post(f"{url}/api/v1/returns", content=data, headers={"content-type": "application/octet-stream"}, timeout=60)
    if answer.status_code == 202:
        return datetime.fromisoformat(answer.json()["received_at"])
    if not 400 <= answer.status_code < 500:
        raise CollegeError(f"the service answered {answer.status_code} to an upload", field="service")
    refused[digest(data)] = (answer.json()["rule"], answer.json()["error"])
    return datetime.now(UTC)


def _wait_for_receipts(url: str, shas: list[str]) -> None:
    deadline = time.monotonic() + RECEIPTS_WITHIN
    with httpx.Client(base_url=url, timeout=60) as client:
        for sha in shas:
            while client.get(f"/api/v1/receipts/{sha}").status_code != 200:
                if time.monotonic() > deadline:
                    raise CollegeError(f"no receipt within {RECEIPTS_WITHIN} s for {sha}", field="service")
                time.sleep(0.2)


def _rest(
    world: Rehearsal, stages: Stages, contest: Contest, contest_file: Path, folder: Path, where: Store, step: Step,
    refused: dict[str, tuple[str, str]],
) -> DryRun:
    """After the returns: the committee's decisions, the count, the contributions, the declaration, the checks."""
    ledger = Ledger(where, signer=world.receipt_key)
    state = standings(contest, ledger.entries())
    if state.missing:
        step(f"the committee decides, and {len(DECLARING_MEMBERS)} members sign, to proceed without {', '.join(state.missing)}")
        committee_decides(world.committee_keys, world.receipt_key, contest, contest_file, ledger, "proceed")

    step("count under embargo" + (" (the committee will be asked to break a tie)" if world.tied else ""))
    with _committee_on_ties(world, ledger, contest, contest_file, stages.resume):
        sealed_key = stages.count(str(contest_file), where.uri, pause_timeout=600)

    step(f"{len(DECLARING_MEMBERS)} of {len(world.ceremony.committee.members)} members contribute their shares")
    sealed_hash = sealed_key.rsplit("/", 1)[1]
    contributions = _contribute(world, folder / "contributions", sealed_hash)

    step("declaration: the quorum opens the result; reports and the recount bundle")
    stages.declare(str(contest_file), str(folder / "ceremony.json"), [str(p) for p in contributions], str(folder / "published"), where.uri)

    step("checking the rehearsal: faults, ledger, bytes, receipts")
    result = DryRun(folder, where.uri, contest.id, folder / "published" / "reports", public_text(world.receipt_key))
    result.checks = checks(world, contest, where, ledger, refused)
    return result


def _wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.05)


def committee_decides(
    member_keys: Mapping[str, MemberKeys], receipt_key: Ed25519PrivateKey, contest: Contest, contest_file: Path,
    ledger: Ledger, kind: str, **given: str,
) -> Entry:
    """The dry run's committee takes a decision: proposed, signed by the declaring members, recorded."""
    signed = propose(contest, kind, decision_subject(kind, contest, ledger, **given), ledger)
    for member in DECLARING_MEMBERS:
        signed = sign_ed25519(signed, contest.committee.member(member), member_keys[member].signing)
    return record_decision(ledger, contest, contest_file.read_bytes(), signed, receipt_key)


class _committee_on_ties:
    """While the count runs, the dry run's committee answers a referred tie by the documented lot."""

    def __init__(self, world: Rehearsal, ledger: Ledger, contest: Contest, contest_file: Path,
                 resume: Callable[[ReferredTie, str], bool]):
        self.world, self.contest_file, self.resume = world, contest_file, resume
        self.ledger, self.contest = Ledger(ledger.store, signer=ledger.signer), contest
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)

    def _watch(self) -> None:
        recorded: dict[int, tuple] = {}  # round -> (tie, decision): recorded, the paused run not yet resumed
        while not self.stop.wait(1.0):
            for tie in open_ties(self.ledger.entries()):
                if tie.flow_run is None:
                    continue  # referred before the run was named: look again
                eliminate, _ = lot_draw(self.contest.lot_seed or "dry run", self.contest.id, tie.round, tie.tied)
                entry = committee_decides(self.world.committee_keys, self.world.receipt_key, self.contest, self.contest_file,
                                          self.ledger, "tie", eliminate=eliminate)
                recorded[tie.round] = (tie, entry.ids["decision"])
            for round_, (tie, decision) in list(recorded.items()):
                if self.resume(tie, decision):  # not paused yet: try again on the next look
                    del recorded[round_]


def _contribute(world: Rehearsal, folder: Path, sealed_hash: str) -> list[Path]:
    folder.mkdir(mode=0o700)
    paths = []
    for member in DECLARING_MEMBERS:
        keys = world.committee_keys[member]
        share = open_share(world.ceremony, member, keys.share)
        made = contribute(world.ceremony, member, share, keys.signing, datetime.now(UTC), result_hash=sealed_hash)
        path = folder / f"{member}.json"
        path.write_text(made.model_dump_json(), encoding="utf-8")
        path.chmod(0o600)
        paths.append(path)
    return paths


def checks(world: Rehearsal, contest: Contest, store: Store, ledger: Ledger, refused: dict[str, tuple[str, str]]) -> list[Check]:
    """Each submission's outcome and rule as expected (a file the service refused at the door is
    rejected by the rule it answered), the ledger intact, every byte kept, nothing refused stored,
    every receipt valid."""
    entries = ledger.entries()
    superseded = {e.object_hash for e in entries if e.event == SUPERSEDED}
    duplicates = {e.object_hash: e for e in entries if e.event == DUPLICATE}
    found: list[Check] = []
    seen: set[str] = set()
    for submission in world.submissions:
        sha = digest(submission.data)
        want = f"{submission.expect}: {submission.rule}" if submission.rule else submission.expect
        if sha in refused:
            rule, error = refused[sha]
            found.append(Check(submission.label, want, f"rejected: {rule}", f"refused by the service: {error}"))
            continue
        entry = duplicates.get(sha) if sha in seen else ledger.find(f"outcome:{sha}")
        seen.add(sha)
        if entry is None:
            found.append(Check(submission.label, want, "no outcome"))
            continue
        got = "superseded" if entry.event != DUPLICATE and sha in superseded else entry.event
        if submission.rule:
            named = [r.split(":", 1)[0] for r in entry.reasons]
            got = f"{got}: {submission.rule if submission.rule in named else ', '.join(named) or 'no rule'}"
        found.append(Check(submission.label, want, got, entry.reasons[0] if entry.reasons else ""))
    state = standings(contest, entries)
    for body in world.missing:
        found.append(Check(f"{body} (missing-body)", "missing", state.bodies[body].state,
                           "no return: counted without it by the committee's decision"))
    if world.tied:
        decided = tie_decisions(entries)
        reason = f"round {decided[0].round}: eliminate {decided[0].eliminate}" if decided else ""
        found.append(Check("tie referred to the committee", "decided", "decided" if decided else "not decided", reason))
    problems = ledger.verify()
    found.append(Check("ledger verifies", "0 problems", f"{len(problems)} problems"))
    unsigned = verify_checkpoints(ledger, world.receipt_key.public_key())
    found.append(Check("every entry under a checkpoint the scrutineer signed", "0 problems", f"{len(unsigned)} problems"))
    kept = [s for s in world.submissions if digest(s.data) not in refused]
    lost = [s.label for s in kept if store.get(f"{folders.RECEIVED}/{digest(s.data)}") != s.data]
    found.append(Check("every received byte string retrievable by its hash", "0 lost", f"{len(lost)} lost"))
    stored = set(store.list(f"{folders.RECEIVED}/")) | {f"{folders.RECEIVED}/{digest(store.get(k))}" for k in store.list(f"{folders.INBOX}/")}
    leaked = [sha for sha in refused if f"{folders.RECEIVED}/{sha}" in stored]
    found.append(Check("files refused by the service, none stored", "0 stored", f"{len(leaked)} stored"))
    bad = [key for key in store.list(f"{folders.RECEIPTS}/") if verify_receipt(store.get(key), world.receipt_key.public_key(), ledger)]
    found.append(Check("every receipt verifies against the ledger", "0 bad", f"{len(bad)} bad"))
    return found
