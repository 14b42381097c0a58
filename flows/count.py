"""The count flow: after the deadline, count the standing returns and seal the result.

Issue 6 item 1 and seed 003 items 21-28:
1. the returns deadline has passed;
2. completeness: every registered body has a return that counts, or the Procedures
   Committee has recorded its decision to proceed without the missing ones;
3. the counting returns (accepted or admitted, not superseded) are opened with the
   count key, aggregated one person one vote per section and counted (college/tally.py);
4. a tie under the `refer` policy pauses the flow for the committee's decision, naming
   only the tied candidates; the decision is recorded in the ledger and the count resumes;
5. the tally is sealed to the declaration key, which nobody holds whole, and stored;
   only the sealed object's hash goes into the ledger.

No unsealed copy of the result exists anywhere: the tally lives in one embargoed task's
memory, between opening the returns and sealing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run

from college.ceremony import seal_result
from college.contest import Contest
from college.ingest import RECEIVED, RECEIVED_PREFIX
from college.ledger import Ledger
from college.procedure import (
    COUNTED, SEALED, ReferredTie, counting_returns, referred_event, tie_decision_event, tie_decisions,
)
from college.count.result import TieDecision
from college.returns import check_submission
from college.model import parse_toml
from college.store import Store, store_from
from college.tally import tally, tally_bytes
from flows.secrets import count_key
from flows.tasks import Withheld, embargoed

class TieDecisionInput(RunInput):
    """What the Procedures Committee gives a count paused on a referred tie."""

    eliminate: str
    decided_by: str = "Procedures Committee"


@embargoed("open, tally and seal")
def open_tally_and_seal(
    store: Store, contest: Contest, contest_text: str, counting: dict[str, str], received_at: dict[str, str],
    decisions: list[TieDecision],
) -> str | ReferredTie:
    """The sealed tally's store key, or the referred tie. Opened returns never leave this task."""
    key = count_key()
    opened = {}
    for body, digest in sorted(counting.items()):
        verdict = check_submission(
            store.get(f"{RECEIVED_PREFIX}/{digest}"), contest, key, datetime.fromisoformat(received_at[digest])
        )
        if verdict.ret is None or verdict.problems:
            raise Withheld(f"open, tally and seal: the return counting for {body} no longer checks; see its receipt")
        opened[digest] = verdict.ret
    counted = tally(contest, contest_text, opened, decisions)
    if counted.result.status == "decision-needed":
        needed = counted.result.decision_needed
        return ReferredTie(needed.round, tuple(needed.tied))
    sealed = seal_result(tally_bytes(counted), contest, contest.declaration_public_key)
    return store.put_content(SEALED, sealed)


@flow(name="count", log_prints=False)
def count(contest_file: str, store: str | None = None, pause_timeout: int = 3600) -> str:
    """Count the standing returns and seal the result; returns the sealed result's store key."""
    contest_text = Path(contest_file).read_text(encoding="utf-8")
    contest = parse_toml(Contest, contest_text, contest_file)
    where = store_from(store, default=contest.store)
    ledger = Ledger(where)
    counting = counting_returns(contest, ledger.entries(), datetime.now(UTC))
    received_at = {e.object_hash: e.ids["received-at"] for e in ledger.entries() if e.event == RECEIVED}
    while True:
        outcome = open_tally_and_seal(where, contest, contest_text, counting, received_at, tie_decisions(ledger.entries()))
        if not isinstance(outcome, ReferredTie):
            break
        decide_tie(ledger, ReferredTie(outcome.round, outcome.tied, str(flow_run.id)), pause_timeout)
    sealed = outcome.removeprefix(f"{SEALED}/")
    ledger.append(
        COUNTED, object_hash=sealed, ids={"returns": str(len(counting)), "contest": contest.id},
        once_key=f"{COUNTED}:{sealed}",
    )
    return outcome


def decide_tie(ledger: Ledger, tie: ReferredTie, timeout: int) -> None:
    """Pause for the committee, naming only the tied candidates; record its decision."""
    ledger.append(**referred_event(tie))
    get_run_logger().warning(
        "Round %s: %s are tied for lowest; the Procedures Committee must decide who is eliminated",
        tie.round, " and ".join(tie.tied),
    )
    decision = pause_flow_run(
        wait_for_input=TieDecisionInput.with_initial_data(description=f"Round {tie.round}: eliminate one of {', '.join(tie.tied)}"),
        timeout=timeout,
        poll_interval=2,
        key=f"tie-round-{tie.round}",
    )
    ledger.append(**tie_decision_event(tie, decision.eliminate, decision.decided_by))


def resume_paused_count(tie: ReferredTie, eliminate: str, decided_by: str) -> bool:
    """Give the committee's decision to the count paused on `tie`, which records it and
    resumes; False if no paused run is waiting (it timed out, or its process ended)."""
    if not tie.flow_run:
        return False
    try:
        resume_flow_run(UUID(tie.flow_run), run_input={"eliminate": eliminate, "decided_by": decided_by})
    except Exception:  # noqa: BLE001 - the run has gone; the decision then goes into the ledger
        return False
    return True
