"""A contest with any number of registered bodies, their keys and sealed returns, for the ingest tests.

The figures of every return are sentinels: seven-digit numbers that appear nowhere else
(not in a hash's hex, not in a microsecond), and one candidate's name is a sentinel too,
so a leak test can look for them anywhere outside the sealed objects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import tomlkit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.ceremony import MemberKeys
from college.dry_run.rehearsal import dry_run_committee
from college.contest import Contest
from college.ledger import Ledger
from college.returns import seal_payload, signed_payload
from college.signing import private_text, public_text
from college.store import Store
from tests.helpers import return_document

SENTINEL_CANDIDATE = "Zebedee Sentinelworth"
CANDIDATES = ["Ann Example", "Bob Example", SENTINEL_CANDIDATE]
ROWS = [
    ([CANDIDATES[0], SENTINEL_CANDIDATE], 4_821_379),
    ([SENTINEL_CANDIDATE], 3_190_753),
    ([CANDIDATES[1], SENTINEL_CANDIDATE, CANDIDATES[0]], 2_647_181),
]
SPOILT, OTHER_INVALID, INELIGIBLE = 3_119_477, 1_733_591, 8_773_113
VALID = sum(count for _, count in ROWS)
SENTINEL_FIGURES = [str(n) for n in (*(c for _, c in ROWS), SPOILT, OTHER_INVALID, INELIGIBLE, VALID)]
CERTIFIED = 40_000_000


@dataclass
class College:
    keys: dict[str, Ed25519PrivateKey]
    count_key: X25519PrivateKey
    receipt_key: Ed25519PrivateKey
    contest: Contest
    contest_file: Path
    member_keys: dict[str, MemberKeys]  # the Procedures Committee's (seed 003's six, quorum three)

    def document(self, body_id: str, **changes) -> dict:
        """A return that passes every rule; `changes` override its fields."""
        body = next(b for b in self.contest.register if b.id == body_id)
        made_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        data = return_document(
            self.contest, body, ROWS, spoilt=SPOILT, other_invalid=OTHER_INVALID, ineligible=INELIGIBLE, made_at=made_at
        )
        data.update(changes)
        return data

    def sealed(self, body_id: str, signer: Ed25519PrivateKey | None = None, **changes) -> bytes:
        key = signer or self.keys[body_id]
        payload = signed_payload(self.document(body_id, **changes), key)
        return seal_payload(payload, key, public_text(self.count_key), contest=self.contest.id, affiliate=body_id)

    def environment(self) -> dict[str, str]:
        return {"COLLEGE_COUNT_KEY": private_text(self.count_key), "COLLEGE_RECEIPT_KEY": private_text(self.receipt_key)}


def body_ids(bodies: int) -> list[str]:
    return [f"society-{n:02d}" for n in range(1, bodies + 1)]


def make_college(folder: Path, bodies: int = 4, deadline: datetime | None = None, contest_id: str = "ingest-test") -> College:
    """Every body is an affiliate (unions need the declaration figure, societies do not)."""
    ids = body_ids(bodies)
    keys = {body: Ed25519PrivateKey.generate() for body in ids}
    committee, member_keys = dry_run_committee(quorum=3)
    count_key = X25519PrivateKey.generate()
    data = {
        "id": contest_id,
        "position": "Leader",
        "candidates": CANDIDATES,
        "sections": [
            {"id": "plp", "name": "PLP and EPLP", "weight": "1/3"},
            {"id": "members", "name": "Individual members", "weight": "1/3"},
            {"id": "affiliates", "name": "Affiliated organisations", "weight": "1/3"},
        ],
        "lot_seed": "fixed before the count",
        "register": [
            {
                "id": body,
                "name": f"Society {n}",
                "kind": "trade_union" if n % 3 == 0 else "socialist_society",
                "section": "affiliates",
                "certified_members": CERTIFIED + n,
                "declaration_required": n % 3 == 0,
                "scrutineer": f"Scrutineer {n}",
                "public_key": public_text(keys[body]),
            }
            for n, body in enumerate(ids, 1)
        ],
        "returns_deadline": deadline or datetime.now(UTC) + timedelta(days=1),
        "count_public_key": public_text(count_key),
        "committee": committee.model_dump(mode="json"),
    }
    contest = Contest.model_validate(data)
    folder.mkdir(parents=True, exist_ok=True)
    contest_file = folder / "contest.toml"
    contest_file.write_text(tomlkit.dumps(data))
    return College(keys, count_key, Ed25519PrivateKey.generate(), contest, contest_file, member_keys)


def put_at(store: Store, key: str, data: bytes, at: datetime) -> None:
    """Put a submission into a local store's inbox as if the store had received it at `at`."""
    store.put(key, data)
    path = store.root.joinpath(*key.split("/"))
    os.utime(path, (at.timestamp(), at.timestamp()))


def ingest_without_prefect(contest: Contest, store: Store) -> None:
    """The ingest flow's steps, called in order as plain functions (no Prefect server)."""
    from college import ingest as rules
    from flows import ingest as steps
    from flows.secrets import receipt_key

    ledger = Ledger(store)
    keys = rules.new_inbox_keys(ledger, store)
    rules.record_arrivals(ledger, [steps.receive(store, key) for key in keys])
    pending = rules.undecided(ledger)
    checked = steps.check.fn(store, contest, pending) if pending else []
    rules.record_outcomes(contest, ledger, checked)
    rules.issue_receipts(contest, ledger, store, receipt_key())
