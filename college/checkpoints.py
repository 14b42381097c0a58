"""Checkpoints: the ledger's size and head, signed by the party scrutineer after every append.

Issue 15 item 4. A hash chain shows an entry edited, removed or moved, but not a tail cut
off, nor entries appended by someone who can write to the store. So, as a Certificate
Transparency log signs its tree head, the party scrutineer's key (the one that signs
receipts) signs a checkpoint after every append: the ledger's size and the hash of its
last entry. Checkpoints are kept write-once in the store (`checkpoints/<size>.json`) and
published to the bodies (`college ledger checkpoint`); `college ledger verify --key`
then catches:

- a cut tail: a checkpoint (kept, or published and given back with `--checkpoint`) signed
  a longer ledger, or another entry at that size;
- a forged entry: entries after the latest checkpoint were appended without the key;
- a forged checkpoint: its signature does not verify with the scrutineer's key.

A checkpoint holds procedure only: a size, a hash, a time and a key id.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, Field

from college import strict_json
from college.errors import CollegeError
from college.folders import CHECKPOINTS
from college.model import Model
from college.signing import canonical, ed25519_public, key_id, sign, verify

if TYPE_CHECKING:
    from college.ledger import Ledger

FORMAT = "college-checkpoint/1"  # and the domain its signature is made under
PREFIX = f"{CHECKPOINTS}/"
_KEY = re.compile(r"^checkpoints/([0-9]{8})\.json$")
_ENTRY = re.compile(r"^ledger/([0-9]{8})\.json$")


class Checkpoint(Model):
    format: Literal["college-checkpoint/1"] = FORMAT
    size: int = Field(ge=1, description="entries in the ledger when it was signed")
    head: str = Field(pattern=r"^[0-9a-f]{64}$", description="hash of the entry at position size - 1")
    signed_at: AwareDatetime
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="id of the scrutineer's key that signed it")


class SignedCheckpoint(Model):
    """The checkpoint file: the checkpoint and the scrutineer's Ed25519 signature (base64)."""

    checkpoint: Checkpoint
    signature: str


def checkpoint_key(size: int) -> str:
    return f"{PREFIX}{size:08d}.json"


def sign_checkpoint(key: Ed25519PrivateKey, size: int, head: str, signed_at: datetime) -> bytes:
    """The signed checkpoint file (canonical JSON bytes) for a ledger of `size` entries ending in `head`."""
    checkpoint = Checkpoint(size=size, head=head, signed_at=signed_at, key_id=key_id(key))
    body = checkpoint.model_dump(mode="json")
    signature = base64.b64encode(sign(key, FORMAT, canonical(body))).decode("ascii")
    return canonical({"checkpoint": body, "signature": signature}) + b"\n"


def read_checkpoint(data: bytes, file: str = "checkpoint") -> SignedCheckpoint:
    """A checkpoint file, checked for shape and duplicate keys (not for its signature)."""
    return strict_json.parse(SignedCheckpoint, data, file=file)


def checkpoint_problems(signed: SignedCheckpoint, key: Ed25519PublicKey, ledger: Ledger, where: str) -> list[str]:
    """What is wrong with one checkpoint against the scrutineer's key and the ledger as it is now."""
    checkpoint = signed.checkpoint
    try:
        signature = base64.b64decode(signed.signature, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if not verify(key, FORMAT, canonical(checkpoint.model_dump(mode="json")), signature):
        return [f"{where}: the signature does not verify with the scrutineer's key: a forged checkpoint"]
    entry = ledger.read(checkpoint.size - 1)
    if entry is None:
        return [f"{where}: signed a ledger of {checkpoint.size} entries, and the ledger now ends before that: "
                "its tail was cut"]
    if entry.hash != checkpoint.head:
        return [f"{where}: the entry at position {checkpoint.size - 1} is not the one it signed: the ledger was rewritten"]
    return []


def verify_checkpoints(
    ledger: Ledger, key: Ed25519PublicKey | str, published: list[tuple[str, bytes]] | None = None
) -> list[str]:
    """Every problem with the ledger's checkpoints, each in one line; empty when they hold.

    Checks each checkpoint kept in the store and each one `published` (name, bytes) against
    the key and the ledger, and that the latest kept checkpoint covers every entry (entries
    after it were appended without the scrutineer's key).
    """
    if isinstance(key, str):
        key = ed25519_public(key, field="--key")
    problems: list[str] = []
    store = ledger.store
    kept = []
    for name in store.list(PREFIX):
        if not _KEY.match(name):
            problems.append(f"{name}: not a checkpoint's name")
            continue
        kept.append((name, store.get(name)))
    sizes = []
    for name, data in [*kept, *(published or [])]:
        try:
            signed = read_checkpoint(data, file=name)
        except CollegeError as error:
            problems.append(str(error))
            continue
        found = checkpoint_problems(signed, key, ledger, name)
        if not found and (name, data) in kept and name != checkpoint_key(signed.checkpoint.size):
            # Its name is what makes it the latest: a copy of an old one under a later name would be published.
            found = [f"{name}: signed a ledger of {signed.checkpoint.size} entries, but is kept under another size's name"]
        problems.extend(found)
        if not found and (name, data) in kept:
            sizes.append(signed.checkpoint.size)
    head = ledger_size(store)
    signed_size = max(sizes, default=0)
    if head > signed_size:
        problems.append(
            f"entries {signed_size} to {head - 1} are covered by no checkpoint signed with the scrutineer's key: "
            "they were appended without it (forged), or the checkpoint was not written"
        )
    return problems


def ledger_size(store) -> int:
    """Entries the store holds (one more than the highest position, whatever the gaps)."""
    positions = [int(m[1]) for m in map(_ENTRY.match, store.list("ledger/")) if m]
    return max(positions, default=-1) + 1


def latest_checkpoint(ledger: Ledger) -> bytes | None:
    """The latest checkpoint kept in the store, as published to the bodies: the one of the ledger's
    size, or else the last whose name is its own size (never a copy kept under a later name)."""
    for name in sorted((n for n in ledger.store.list(PREFIX) if _KEY.match(n)), reverse=True):
        data = ledger.store.get(name)
        try:
            if checkpoint_key(read_checkpoint(data, file=name).checkpoint.size) == name:
                return data
        except CollegeError:
            continue
    return None
