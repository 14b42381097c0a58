"""The count flow: after the deadline, count the standing returns and seal the result.

Issue 6 item 1 and seed 003 items 21-28:
1. the returns deadline has passed;
2. completeness: every registered body has a return that counts, or the Procedures
   Committee has recorded its decision to proceed without the missing ones;
3. the counting returns (accepted or admitted, not superseded) are opened with the
   count key, aggregated one person one vote per section and counted (college/tally.py);
4. a tie under the `refer` policy pauses the flow for the committee's decision, naming
   only the tied candidates; the members sign the decision and the scrutineer records it
   (`college decision record`), which resumes the count: the flow goes on only with a
   recorded decision a quorum signed, never on whatever input resumed it;
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
from college import folders
from college.events import COUNTED, RECEIVED
from college.ledger import Ledger
from college.anchor import check_contest
from college.decisions import check_recorded_decisions
from college.errors import CollegeError
from college.procedure import TIE, ReferredTie, counting_returns, referred_event, tie_decisions
from college.preconditions import check_receipt_key, require_ingested
from college.count.result import TieDecision
from college.returns import check_submission
from college.model import parse_toml
from college.store import Store, store_from
from college.tally import tally, tally_bytes
from flows.secrets import count_key, receipt_key
from flows.tasks import Withheld, embargoed

class TieDecisionInput(RunInput):
    """What resumes a count paused on a referred tie: the SHA-256 of the signed decision now recorded."""

    decision: str


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
            store.get(f"{folders.RECEIVED}/{digest}"), contest, key, datetime.fromisoformat(received_at[digest])
        )
        if verdict.ret is None or verdict.problems:  # a problem's message is a fixed text naming the body and rule
            raise Withheld(f"open, tally and seal: the return counting for {body} no longer checks: {verdict.problems[0].message}")
        opened[digest] = verdict.ret
    counted = tally(contest, contest_text, opened, decisions)
    if counted.result.status == "decision-needed":
        needed = counted.result.decision_needed
        return ReferredTie(needed.round, tuple(needed.tied))
    sealed = seal_result(tally_bytes(counted), contest, contest.declaration_public_key)
    return store.put_content(folders.SEALED, sealed)


@flow(name="count", log_prints=False)
def count(contest_file: str, store: str | None = None, pause_timeout: int = 3600) -> str:
    """Count the standing returns and seal the result; returns the sealed result's store key."""
    contest_bytes = Path(contest_file).read_bytes()
    contest_text = contest_bytes.decode("utf-8")
    contest = parse_toml(Contest, contest_text, contest_file)
    where = store_from(store, default=contest.store)
    ledger = Ledger(where, signer=receipt_key())
    check_receipt_key(ledger, ledger.signer, None)  # as `college tally` checks, for a run from a deployment
    check_contest(ledger, contest, contest_bytes, contest_file)
    check_recorded_decisions(ledger, contest)
    counting = counting_returns(contest, ledger.entries(), datetime.now(UTC))
    require_ingested(contest, ledger)  # as `college tally` checks, for a run from a deployment
    received_at = {e.object_hash: e.ids["received-at"] for e in ledger.entries() if e.event == RECEIVED}
    while True:
        outcome = open_tally_and_seal(where, contest, contest_text, counting, received_at, tie_decisions(ledger.entries()))
        if not isinstance(outcome, ReferredTie):
            break
        decide_tie(ledger, contest, ReferredTie(outcome.round, outcome.tied, str(flow_run.id)), pause_timeout)
    sealed = outcome.removeprefix(f"{folders.SEALED}/")
    ledger.append(
        COUNTED, object_hash=sealed, ids={"returns": str(len(counting)), "contest": contest.id},
        once_key=f"{COUNTED}:{sealed}",
    )
    return outcome


def decide_tie(ledger: Ledger, contest: Contest, tie: ReferredTie, timeout: int) -> None:
    """Pause for the committee, naming only the tied candidates, until its signed decision is recorded."""
    ledger.append(**referred_event(tie))
    get_run_logger().warning(
        "Round %s: %s are tied for lowest; the Procedures Committee must decide who is eliminated "
        "(college decision tie, sign, record)",
        tie.round, " and ".join(tie.tied),
    )
    pause_flow_run(
        wait_for_input=TieDecisionInput.with_initial_data(description=f"Round {tie.round}: eliminate one of {', '.join(tie.tied)}"),
        timeout=timeout,
        poll_interval=2,
        key=f"tie-round-{tie.round}",
    )
    recorded = ledger.find(f"{TIE}:{tie.round}")
    if recorded is None:
        raise CollegeError(f"round {tie.round}: resumed, but no signed decision on the tie is recorded", field="ledger")
    check_recorded_decisions(ledger, contest)


def resume_paused_count(tie: ReferredTie, decision: str) -> bool:
    """Tell the count paused on `tie` that the committee's signed decision (its SHA-256) is recorded;
    False if no paused run is waiting (it timed out, or its process ended)."""
    if not tie.flow_run:
        return False
    try:
        resume_flow_run(UUID(tie.flow_run), run_input={"decision": decision})
    except Exception:  # noqa: BLE001 - the run has gone; the decision then goes into the ledger
        return False
    return True
