"""Receipts: what the party's scrutineer gives back for every submission, signed.

A receipt says what was received (the SHA-256 and size of the bytes exactly as they
arrived), from whom the envelope says it came (affiliate and key id, in clear on the
envelope), when, the outcome (accepted, rejected, superseded, late, duplicate) with the
rules behind it, and where the ledger records it: the position and hash of that entry,
the ledger's head when the receipt was issued.

It is signed with the scrutineer's Ed25519 key over the RFC 8785 canonical JSON of the
receipt, under the domain prefix `college-receipt/1`, so it cannot be passed off as any
other signed document. Whoever holds it can later show that the ledger still holds the
entry it names, unchanged, with the whole chain before it: the receipt anchors the ledger.

No figure of a return is ever in a receipt: hash, size, names, times, rules.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, Field, ValidationError

from college import strict_json
from college.errors import CollegeError, from_validation_error, pydantic_problems
from college.ledger import Entry, Hash, Ledger, Problem, Text
from college.model import Model
from college.signing import canonical, digest, ed25519_public, key_id, sign, verify

FORMAT = "college-receipt/1"
DOMAIN = FORMAT  # the signature's domain prefix names the format and its version

Outcome = Literal["accepted", "rejected", "superseded", "late", "flagged", "duplicate", "recorded"]


class Received(Model):
    """The bytes as they arrived: their SHA-256 (their key in the store) and size."""

    sha256: Hash
    size: int = Field(ge=0)

    @classmethod
    def of(cls, data: bytes) -> Received:
        return cls(sha256=digest(data), size=len(data))


class Sender(Model):
    """Who the envelope says sent it (unchecked when the envelope could not be read)."""

    affiliate: str | None = None
    key_id: str | None = None


class LedgerAnchor(Model):
    """The ledger entry that records the outcome: its position and hash."""

    position: int = Field(ge=0)
    hash: Hash


class Receipt(Model):
    format: Literal["college-receipt/1"] = FORMAT
    contest: Text
    received: Received
    sender: Sender
    received_at: AwareDatetime
    outcome: Outcome
    reasons: list[Text] = []
    ledger: LedgerAnchor
    scrutineer_key_id: str


class SignedReceipt(Model):
    """The receipt file: the receipt and the scrutineer's signature (base64)."""

    receipt: Receipt
    signature: str


def issue_receipt(
    key: Ed25519PrivateKey,
    *,
    contest: str,
    received: bytes | Received,
    affiliate: str | None,
    sender_key_id: str | None = None,
    received_at: datetime,
    outcome: Outcome,
    entry: Entry,
    reasons: Iterable[str] = (),
) -> bytes:
    """The signed receipt file (JSON bytes) for one submission.

    `received` is the submitted bytes (or their `Received`); `affiliate` and `sender_key_id` are
    what the envelope states; `entry` is the ledger entry recording the outcome.
    """
    try:
        receipt = Receipt(
            contest=contest,
            received=received if isinstance(received, Received) else Received.of(received),
            sender=Sender(affiliate=affiliate, key_id=sender_key_id),
            received_at=received_at,
            outcome=outcome,
            reasons=list(reasons),
            ledger=LedgerAnchor(position=entry.position, hash=entry.hash),
            scrutineer_key_id=key_id(key),
        )
    except ValidationError as error:
        raise from_validation_error(error, file="receipt") from None
    body = receipt.model_dump(mode="json")
    signature = sign(key, DOMAIN, canonical(body))
    signed = {"receipt": body, "signature": base64.b64encode(signature).decode("ascii")}
    return (json.dumps(signed, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_receipt(data: bytes, file: str = "receipt") -> SignedReceipt:
    """A receipt file's content, checked for shape (not for its signature)."""
    return strict_json.parse(SignedReceipt, data, file=file)


def verify_receipt(
    data: bytes, scrutineer_key: Ed25519PublicKey | str, ledger: Ledger | None = None, verified: list[Problem] | None = None
) -> list[str]:
    """Every problem with a receipt, each naming the field and the rule; empty when it holds.

    The signature must verify with the scrutineer's public key (an Ed25519 key or its
    base64 text). Given the ledger, the entry the receipt names must still be at its
    position with its hash, record the same object, and the chain up to it must verify.
    `verified` is `ledger.verify()` as its caller last ran it (a service checking many
    receipts verifies the whole ledger once for them, not once each); else it runs here.
    """
    if isinstance(scrutineer_key, str):
        scrutineer_key = ed25519_public(scrutineer_key, field="--key")
    try:
        raw = strict_json.loads(data, known=strict_json.model_fields(SignedReceipt))
    except strict_json.DuplicateKey as error:
        return [f"{error.field}: {error.message}"]
    except ValueError:
        return ["receipt: not JSON"]
    try:
        signed = SignedReceipt.model_validate(raw)
    except ValidationError as error:
        return [f"{field}: {message}" for field, message in pydantic_problems(error)]
    problems = []
    receipt = signed.receipt
    try:
        signature = base64.b64decode(signed.signature, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    # the signed bytes are the canonical form of the receipt as written, not as re-serialised
    if not verify(scrutineer_key, DOMAIN, canonical(raw["receipt"]), signature):
        problems.append("signature: does not verify with the scrutineer's key (the receipt was altered, or signed with another key)")
    if receipt.scrutineer_key_id != key_id(scrutineer_key):
        problems.append("scrutineer_key_id: names another key than the one given")
    if ledger is not None:
        problems.extend(_ledger_problems(receipt, ledger, verified))
    return problems


def _ledger_problems(receipt: Receipt, ledger: Ledger, verified: list[Problem] | None) -> list[str]:
    position = receipt.ledger.position
    try:
        entry = ledger.read(position)
    except CollegeError:
        entry = None
    if entry is None:
        return [f"ledger.position: no readable entry at position {position}: the ledger was cut back or the entry removed"]
    problems = []
    if entry.hash != receipt.ledger.hash:
        problems.append(f"ledger.hash: the entry at position {position} is not the one this receipt names")
    elif receipt.received.sha256 not in (entry.object_hash, entry.ids.get("decision")) and entry.object_hash is not None:
        problems.append(f"ledger: the entry at position {position} records another object")
    problems.extend(
        f"ledger: {problem}"
        for problem in (ledger.verify() if verified is None else verified)
        if problem.position is not None and problem.position <= position
    )
    return problems
