"""The declaration flow: a quorum of the Procedures Committee opens the result and declares it.

Issue 6 item 3 and seed 003 items 28-32. Given the members' signed contributions:
1. each contribution is checked against the ceremony (signature, share hash, bound to
   this sealed result); a bad one is named; fewer than the quorum cannot open anything;
   each good one is recorded in the ledger with who took part;
2. the declaration key is rebuilt, the sealed tally opened and checked against the hash
   the count recorded in the ledger;
3. the declaration (college/declaration.py) is written write-once to the store and
   recorded in the ledger (`declared`); only then are the reports, the recount bundle
   and Prefect's artifacts made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from college.ceremony import (
    Ceremony,
    Contribution,
    check_ceremony,
    load_ceremony,
    load_contribution,
    stored_contributions,
    open_declaration_key,
    open_result,
)
from college.anchor import check_contest
from college.contest import Contest, load_contest
from college.decisions import check_recorded_decisions
from college.declaration import Declaration, build_declaration, read_declaration
from college.errors import CollegeError
from college.events import CONTRIBUTION, DECLARED
from college.folders import DECLARATIONS, SEALED
from college.ledger import Ledger
from college.preconditions import sealed_result
from college.procedure import procedural_record
from college.recount import write_bundle
from college.reports.publish import write_reports
from college.reports.tables import build_report, statement_markdown
from college.signing import canonical, digest
from college.store import Store, store_from
from college.tally import read_tally
from flows.secrets import count_key, receipt_key
from flows.tasks import embargoed

@embargoed("open and declare")
def open_and_declare(
    store: Store, contest: Contest, ceremony: Ceremony, contributions: list[Contribution], key: X25519PrivateKey,
    sealed_hash: str, ledger: Ledger,
) -> str:
    """Open the sealed tally with the declaration key and write the declaration; returns its store key."""
    sealed = store.get(f"{SEALED}/{sealed_hash}")
    if digest(sealed) != sealed_hash:
        raise CollegeError("the sealed result in the store does not match the hash the ledger recorded", field="sealed")
    counted = read_tally(open_result(sealed, contest, key))
    members = {m.id: m.name for m in ceremony.committee.members}
    declared_by = [members[c.statement.member] for c in contributions]
    for contribution in contributions:
        ledger.append(
            CONTRIBUTION, ids={"member": contribution.statement.member, "result": sealed_hash[:64]},
            reasons=[f"{members[contribution.statement.member]} contributed a share to open the result"],
            once_key=f"{CONTRIBUTION}:{contribution.statement.member}:{sealed_hash}",
        )
    entries = ledger.entries()
    declaration = build_declaration(
        counted,
        declared_at=datetime.now(UTC),
        declared_by=declared_by,
        sealed_result_digest=sealed_hash,
        ledger_head=entries[-1].hash,
        dry_run=ceremony.dry_run,
        procedure=procedural_record(contest, entries, ceremony),
    )
    data = canonical(declaration.model_dump(mode="json"))
    stored = store.put_content(DECLARATIONS, data)
    ledger.append(
        DECLARED, object_hash=digest(data), ids={"result": declaration.result_digest, "sealed": sealed_hash},
        reasons=[f"declared by {', '.join(declared_by)}"], once_key=f"{DECLARED}:{sealed_hash}",
    )
    return stored


def publish(declaration: Declaration, out: Path) -> list[Path]:
    """After the declaration: reports, the recount bundle and Prefect artifacts."""
    written = write_reports(declaration, out / "reports")
    written.append(write_bundle(declaration, out / "bundle"))
    public = build_report(declaration, "public")
    create_markdown_artifact(statement_markdown(public), key=f"declaration-{_artifact_key(declaration.contest_id)}")
    rows = [
        {"round": r.number, **{name: s.percent for name, s in r.college.items()}, "eliminated": ", ".join(r.eliminated)}
        for r in declaration.result.rounds
    ]
    create_table_artifact(rows, key=f"rounds-{_artifact_key(declaration.contest_id)}")
    return written


def _artifact_key(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


@flow(name="declare", log_prints=False)
def declare(
    contest_file: str, ceremony_file: str, contributions: list[str] | None = None, out: str = "published",
    store: str | None = None,
) -> str:
    """Declare the sealed result with a quorum's contributions (paths; none: those the members put into the
    store, as the deployment runs it); writes reports under `out`.

    A dry run's ceremony says so, and so then does every output."""
    contest = load_contest(contest_file)
    ceremony = load_ceremony(ceremony_file)
    check_ceremony(ceremony, contest)
    where = store_from(store, default=contest.store)
    ledger = Ledger(where, signer=receipt_key())
    check_contest(ledger, contest, Path(contest_file).read_bytes(), contest_file)
    check_recorded_decisions(ledger, contest)
    sealed_hash = sealed_result(ledger.entries(), where)
    shares = ([load_contribution(path) for path in contributions] if contributions
              else stored_contributions(where, sealed_hash, contest, count_key()))
    # Before anything is opened: a bad contribution is named, fewer than the quorum refused
    # (procedure only, so these errors may be shown, unlike anything inside the embargoed step).
    key = open_declaration_key(ceremony, shares, result_hash=sealed_hash)
    # Declared once: a second run publishes the declaration the ledger records, never a second one with
    # another time, and never over another declaration's folder.
    done = ledger.find(f"{DECLARED}:{sealed_hash}")
    target = Path(out) / "declaration.json"
    if target.exists() and (done is None or digest(target.read_bytes()) != done.object_hash):
        raise CollegeError("already holds another declaration: give another --out; nothing was overwritten",
                           file=str(target))
    stored = (f"{DECLARATIONS}/{done.object_hash}" if done is not None
              else open_and_declare(where, contest, ceremony, shares, key, sealed_hash, ledger))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(where.get(stored))
    declaration = read_declaration(folder / "declaration.json")
    publish(declaration, folder)
    return str(folder)
