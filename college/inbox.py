"""What may enter the inbox, and where a submission stands until its receipt is issued.

Issue 16 item 2: an upload over HTTP is stored only when it is a sealed envelope within
the size limit whose outer signature verifies with the key registered for the body it
names (college.returns.check_envelope: provenance, before anything is opened). Anything
else (a clear return, junk, a file signed by an unregistered key) is refused with the rule
it breaks and never reaches the store. What is admitted goes write-once into the inbox,
where the ingest flow finds it, exactly as `college submit --store` puts it there.

Every message here is a fixed text: nothing from inside a return can reach an answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from college.contest import Contest
from college.errors import CollegeError
from college.events import RECEIVED
from college.folders import INBOX
from college.ingest import inbox_key, receipt_key
from college.ledger import Ledger
from college.returns import FORMAT, MAX_ENVELOPE_BYTES, Envelope, check_envelope
from college.signing import digest
from college.store import NotInStore, Store

MAX_UPLOAD_BYTES = MAX_ENVELOPE_BYTES
SHA256 = re.compile(r"^[0-9a-f]{64}$")

# Rules of the door itself; the envelope's own rules are college.returns.RULES.
RULES = {
    "empty": "the body is empty: send the sealed return's bytes",
    "not-sealed": "this is a clear return: sign and seal it first (college return seal), then send the .sealed file",
    "hash": "not a SHA-256: 64 lowercase hexadecimal digits",
}
# Rules that mean "not an envelope at all" (a malformed body) rather than "an envelope that fails provenance".
MALFORMED = frozenset(
    {"empty", "not-sealed", "envelope-too-large", "envelope-json", "envelope-schema", "envelope-format",
     "envelope-base64", "envelope-signature-length"}
)


class Refused(CollegeError):
    """An upload the inbox does not take: `rule` names the rule it breaks."""

    def __init__(self, message: str, *, rule: str, field: str | None = None):
        self.rule = rule
        super().__init__(message, field=field)

    @property
    def malformed(self) -> bool:
        return self.rule in MALFORMED


@dataclass(frozen=True)
class Admitted:
    """A submission kept in the inbox: its hash, where it waits, and when the store received it."""

    sha256: str
    inbox_key: str
    received_at: datetime
    envelope: Envelope


def _clear_return(data: bytes) -> bool:
    """A signed or unsigned return in clear, sent instead of its sealed envelope."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep to read is junk too
        return False
    if not isinstance(value, dict):
        return False
    inner = value.get("return") if isinstance(value.get("return"), dict) else value
    return inner.get("format") == FORMAT or "profile" in inner


def check_upload(data: bytes, contest: Contest) -> Envelope:
    """The envelope of an acceptable upload; Refused (naming the rule) for anything else."""
    if not data:
        raise Refused(RULES["empty"], rule="empty", field="(body)")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refused("the body is larger than any return can be", rule="envelope-too-large", field="(body)")
    found, problems = check_envelope(data, contest)
    if problems:
        if found is None and _clear_return(data):
            raise Refused(RULES["not-sealed"], rule="not-sealed", field="(body)")
        problem = problems[0]
        raise Refused(problem.message, rule=problem.rule, field=problem.field)
    return found


def admit(store: Store, contest: Contest, data: bytes, now: datetime | None = None) -> Admitted:
    """Check the upload, then keep its bytes write-once in the inbox for ingest.

    The same bytes again are kept again under a new inbox key, so that ingest records the
    repeat as a duplicate of one submission (as `college submit` does); the hash is the same."""
    envelope = check_upload(data, contest)
    key = inbox_key(data, now or datetime.now(UTC))
    store.put(key, data)
    return Admitted(digest(data), key, store.stored_at(key), envelope)


def check_hash(text: str) -> str:
    """A SHA-256 as given in a URL or a form: checked as a hash, never used as a path."""
    if not SHA256.match(text):
        raise Refused(RULES["hash"], rule="hash", field="sha256")
    return text


def receipt(store: Store, sha: str) -> bytes | None:
    """The signed receipt for these bytes, once ingest has decided on them."""
    try:
        return store.get(receipt_key(check_hash(sha)))
    except NotInStore:
        return None


def in_inbox(store: Store, sha: str) -> bool:
    """Whether bytes with this hash wait in the inbox (their key names the first 16 digits; the bytes decide)."""
    suffix = f"-{check_hash(sha)[:16]}.sealed"
    return any(key.endswith(suffix) and digest(store.get(key)) == sha for key in store.list(f"{INBOX}/"))


def standing(store: Store, ledger: Ledger, sha: str) -> Literal["decided", "pending", "unknown"]:
    """Decided (a receipt exists), pending (received, or waiting in the inbox) or never received."""
    if store.exists(receipt_key(check_hash(sha))):
        return "decided"
    if ledger.find(f"{RECEIVED}:{sha}") is not None or in_inbox(store, sha):
        return "pending"
    return "unknown"
