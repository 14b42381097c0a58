"""What must hold before a flow starts, checked with no figure and before Prefect starts.

Issue 15, the seams: `college ingest`, `tally` and `declare` check here everything that
needs no figure, so that a wrong key, a deadline not passed, a changed contest file or a
missing contribution is one clear line at once, not an error from inside a flow run.
The flows check the same again (a deployment runs them without the command line).
Nothing here opens a return or the result.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import AwareDatetime

from college.anchor import verify_anchor
from college.checkpoints import PREFIX as CHECKPOINTS_PREFIX, read_checkpoint
from college.ceremony import COUNT_KEY_VARIABLE, Ceremony, Contribution, check_ceremony, open_declaration_key
from college.contest import Contest
from college.decisions import check_recorded_decisions
from college.errors import CollegeError
from college.ledger import Entry, Ledger
from college.events import COUNTED
from college.folders import SEALED
from college.ingest import new_inbox_keys
from college.procedure import counting_returns
from college.model import Identifier, Model
from college.signing import canonical, key_id, private_text, public_text
from college import strict_json
from college.store import Store

STORE_MARK = "store.json"  # written by `college store init` (or the key ceremony): this store was set up


class StoreMark(Model):
    """`store.json`: the store was set up for this contest's count (procedure only)."""

    format: Literal["college-store/1"] = "college-store/1"
    contest: Identifier
    set_up_at: AwareDatetime


def set_up_store(store: Store, contest_id: str, now: datetime) -> bool:
    """Mark the store as set up for the count (write-once); False when it already was."""
    if store.exists(STORE_MARK):
        return False
    mark = StoreMark(contest=contest_id, set_up_at=now)
    store.put(STORE_MARK, canonical(mark.model_dump(mode="json")) + b"\n")
    return True


def store_is_set_up(store: Store) -> bool:
    """Whether the store was set up for a count (marked, or already holding a ledger)."""
    return store.exists(STORE_MARK) or bool(store.list("ledger/"))


def require_store(store: Store, contest_id: str | None = None) -> None:
    """The store was set up, and (given the contest) for this contest: one store holds one contest's count."""
    if not store_is_set_up(store):
        raise CollegeError(
            "no store was set up here (a mistyped name?): set it up with `college store init`", file=store.uri,
        )
    if contest_id is not None and store.exists(STORE_MARK):
        marked = strict_json.parse(StoreMark, store.get(STORE_MARK), file=f"{store.uri}/{STORE_MARK}").contest
        if marked != contest_id:
            raise CollegeError(
                f"was set up for {marked}, not {contest_id}: one store holds one contest's count (another --store, "
                "or that contest's file?)", file=store.uri,
            )


def check_count_key(contest: Contest, key: X25519PrivateKey) -> None:
    """The count key must be the one whose public half the contest file names: returns are sealed to it."""
    if contest.count_public_key is None:
        raise CollegeError("the contest file names no count_public_key", field="count_public_key")
    if public_text(key) != contest.count_public_key:
        raise CollegeError(
            "is not the count key whose public half the contest file names (count_public_key): it does not open "
            "these returns", field=COUNT_KEY_VARIABLE,
        )


RECEIPT_KEY_VARIABLE = "COLLEGE_RECEIPT_KEY"
_CHECKPOINT = re.compile(r"^checkpoints/[0-9]{8}\.json$")  # a kept checkpoint's name; anything else is not one


def check_receipt_key(ledger: Ledger, receipt_key: Ed25519PrivateKey, count_key: X25519PrivateKey | None) -> None:
    """Receipts and checkpoints are write-once: signed by a wrong key, they never verify. Refuse the count key given
    in its place (both are 32 bytes in base64, so swapped variables parse), and a key other than the one that
    signed the store's first checkpoint."""
    if count_key is not None and private_text(receipt_key) == private_text(count_key):
        raise CollegeError(
            "is the count key, not the party scrutineer's signing key (the two variables are swapped?)",
            field=RECEIPT_KEY_VARIABLE,
        )
    names = sorted(n for n in ledger.store.list(CHECKPOINTS_PREFIX) if _CHECKPOINT.match(n))
    if not names:
        return
    first = read_checkpoint(ledger.store.get(names[0]), file=names[0]).checkpoint.key_id
    if key_id(receipt_key) != first:
        raise CollegeError(
            f"is key {key_id(receipt_key)}, not the key {first} that signed this store's checkpoints: every receipt "
            "and checkpoint of a contest is signed by the party scrutineer's one key",
            field=RECEIPT_KEY_VARIABLE,
        )


def before_ingest(contest: Contest, contest_bytes: bytes, file: str, ledger: Ledger, count_key: X25519PrivateKey,
                  receipt_key: Ed25519PrivateKey) -> None:
    """The store set up, the keys (present: the caller loaded them) the contest's, the contest file as anchored."""
    require_store(ledger.store, contest.id)
    check_count_key(contest, count_key)
    check_receipt_key(ledger, receipt_key, count_key)
    verify_anchor(ledger.entries(), contest_bytes, file)


def require_ingested(contest: Contest, ledger: Ledger) -> None:
    """Nothing received by the deadline still waits in the inbox: the count would leave it out (and a decision
    to proceed without its body would count without a return it had). What came after cannot count unless
    ingested and admitted, so it does not hold the count up."""
    store = ledger.store
    waiting = [key for key in new_inbox_keys(ledger, store)
               if contest.deadline is None or store.stored_at(key) <= contest.deadline]
    if waiting:
        raise CollegeError(
            f"{len(waiting)} submission(s) received by the deadline are not yet ingested: run `college ingest` first, "
            "so that every return on time is checked and counts", field="inbox",
        )


def before_tally(contest: Contest, contest_bytes: bytes, file: str, ledger: Ledger, count_key: X25519PrivateKey,
                 receipt_key: Ed25519PrivateKey, now: datetime) -> None:
    """As for ingest, and: the deadline passed, the declaration key made, every body returned or the committee
    decided to proceed, every recorded decision signed."""
    require_store(ledger.store, contest.id)
    check_count_key(contest, count_key)
    check_receipt_key(ledger, receipt_key, count_key)
    entries = ledger.entries()
    verify_anchor(entries, contest_bytes, file)
    check_recorded_decisions(ledger, contest)
    counting_returns(contest, entries, now)
    require_ingested(contest, ledger)


def sealed_result(entries: list[Entry], store: Store) -> str:
    """The hash of the sealed result the count recorded last; it must be in the store."""
    counted = [e for e in entries if e.event == COUNTED]
    if not counted:
        raise CollegeError("nothing to declare: the count has not sealed a result yet (`college tally`)", field="ledger")
    sha = counted[-1].object_hash
    if not store.exists(f"{SEALED}/{sha}"):
        raise CollegeError(f"the sealed result {sha[:16]}... the ledger names is not in the store", file=store.uri)
    return sha


def before_declare(contest: Contest, contest_bytes: bytes, file: str, ledger: Ledger, ceremony: Ceremony,
                   contributions: list[Contribution]) -> str:
    """The contest file as anchored, the ceremony its own, a sealed result, and a quorum of good contributions
    bound to it (each bad one named). Returns the sealed result's hash."""
    require_store(ledger.store, contest.id)
    entries = ledger.entries()
    verify_anchor(entries, contest_bytes, file)
    check_recorded_decisions(ledger, contest)
    check_ceremony(ceremony, contest)
    sha = sealed_result(entries, ledger.store)
    open_declaration_key(ceremony, contributions, result_hash=sha)  # the quorum, named if short; opens nothing yet
    return sha
