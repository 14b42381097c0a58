"""The ingest flow: receive, keep, check, record and acknowledge every submission in the inbox.

Issue 4 and DESIGN.md, Integrity. For each object in the inbox:
1. keep its bytes write-once under their SHA-256 (`received/<sha256>`) and record
   `received` in the ledger, in the order the store received them;
2. check it (college.returns.check_submission: provenance, opening with the count key,
   signature, every rule);
3. record the outcome (accepted, rejected with every reason, late; the return it
   supersedes), and issue the signed receipt.

Steps 1 and 2 run concurrently, one task per batch of files (a task per file costs more
in Prefect's bookkeeping than the work: shared/docs/prefect-notes.md section 5). Every
step is idempotent (write-once objects, ledger entries recorded once), so a run that
crashed anywhere is finished by running again, and the same bytes twice are one
submission. Flow parameters are a path and a store URI; what a task returns is
procedure only; the tasks that open returns are `embargoed` (flows/tasks.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from college.anchor import check_contest
from college.contest import Contest, load_contest
from college import folders
from college.errors import CollegeError
from college.ingest import (
    Arrival,
    Checked,
    issue_receipts,
    record_arrivals,
    record_outcomes,
    new_inbox_keys,
    standings,
    undecided,
)
from college.ledger import Ledger
from college.preconditions import check_receipt_key
from college.returns import check_submission, read_envelope
from college.signing import digest
from college.store import Store, store_from
from flows.secrets import count_key, receipt_key
from flows.tasks import embargoed

BATCH = 25  # files per checking task: tasks per batch, never per ballot (prefect-notes section 5)


def receive(store: Store, inbox_key: str) -> Arrival:
    """Keep the bytes write-once under their hash; note who the clear envelope says sent them."""
    data = store.get(inbox_key)
    sha = digest(data)
    store.put(f"{folders.RECEIVED}/{sha}", data)
    try:
        envelope = read_envelope(data)
        body, signer = envelope.affiliate, envelope.key_id
    except CollegeError:
        body, signer = None, None
    return Arrival(inbox_key, sha, len(data), store.stored_at(inbox_key).isoformat(), body, signer)


@task(name="receive submissions", retries=3, retry_delay_seconds=1, persist_result=False, cache_policy=NO_CACHE)
def receive_batch(store: Store, inbox_keys: list[str]) -> list[Arrival]:
    """Receive each file; one the store cannot give or keep now stays in the inbox for the next run
    (it is not recorded, so it is not seen) and is named in the log, never skipped silently.
    Nothing is cached or kept: the store cannot be hashed, and nothing here needs keeping."""
    arrivals = []
    for key in inbox_keys:
        try:
            arrivals.append(receive(store, key))
        except CollegeError as error:
            get_run_logger().warning("could not receive %s now (%s); it stays in the inbox for the next run", key, error)
    return arrivals


@embargoed("check submissions", retries=2)
def check(store: Store, contest: Contest, arrivals: list[Arrival]) -> list[Checked]:
    """Open and validate each file; one bad file never stops the others (check_submission never raises on input)."""
    key = count_key()
    checked = []
    for arrival in arrivals:
        verdict = check_submission(
            store.get(f"{folders.RECEIVED}/{arrival.digest}"), contest, key, datetime.fromisoformat(arrival.received_at)
        )
        checked.append(
            Checked(
                arrival.digest,
                arrival.body,
                verdict.accepted,
                verdict.late,
                tuple(f"{p.rule}: {p.message}" for p in verdict.problems),
                tuple(f"{p.rule}: {p.message}" for p in verdict.flags),
                verdict.content,
                verdict.ret.made_at.isoformat() if verdict.ret is not None else None,
            )
        )
    return checked


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=False)
def ingest(contest_file: str, store: str | None = None) -> dict[str, int]:
    """Receive and check everything in the inbox; returns how many bodies stand in each state."""
    contest = load_contest(contest_file)
    where = store_from(store, default=contest.store)
    receipts_key = receipt_key()
    ledger = Ledger(where, signer=receipts_key)
    check_receipt_key(ledger, receipts_key, None)  # as `college ingest` checks, for a run from a deployment
    check_contest(ledger, contest, Path(contest_file).read_bytes(), contest_file)
    take_over_waiting_runs()
    keys = new_inbox_keys(ledger, where)
    batches = [keys[i : i + BATCH] for i in range(0, len(keys), BATCH)]
    arrivals = [a for f in receive_batch.map(unmapped(where), batches) for a in f.result()] if batches else []
    record_arrivals(ledger, arrivals)
    pending = undecided(ledger)
    batches = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)]
    checked = [c for f in check.map(unmapped(where), unmapped(contest), batches) for c in f.result()] if batches else []
    record_outcomes(contest, ledger, checked)
    issue_receipts(contest, ledger, where, receipts_key)
    return dict(Counter(standing.state for standing in standings(contest, ledger.entries()).bodies.values()))


def take_over_waiting_runs() -> int:
    """Cancel this deployment's ingest runs that are due but not started; how many.

    Each upload's event starts a run (deployments/prefect.yaml). This run lists the inbox
    after cancelling them, so it takes every upload that triggered them: a burst of uploads
    costs a few runs, not one each. Runs already started go on (workers share the store
    safely), and a run created after this one listed is left to do its work. Outside a
    deployment (`college ingest`, the service's embedded ingest), nothing to do.
    """
    from prefect.runtime import deployment, flow_run

    if not deployment.id:
        return 0
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        waiting = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[UUID(deployment.id)])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(before_=datetime.now(UTC)),
            ),
        )
        for run in waiting:
            client.set_flow_run_state(run.id, Cancelled(message=f"taken over by ingest run {flow_run.id}"))
    return len(waiting)


def announce(store_uri: str, inbox_key: str, sha: str) -> None:
    """Tell the Prefect server a file arrived in the inbox: the ingest deployment's trigger
    (deployments/prefect.yaml) starts a run. Identifiers only."""
    from prefect.events import emit_event

    emit_event(
        event="college.inbox.object-created",
        resource={"prefect.resource.id": f"college.inbox.{sha}", "college.store": store_uri, "college.key": inbox_key},
    )
