"""The ledger: every event of the count, in order, as an append-only hash chain.

Each entry is one write-once object in the store, `ledger/{position:08d}.json`, holding
the RFC 8785 canonical JSON of the entry and a newline (so the objects laid end to end
are the JSON-lines view). An entry's `hash` is the SHA-256 of its canonical JSON without
the `hash` field, and its `prev` is the hash of the entry before it (64 zeros for the
first). Editing, removing, reordering or inserting an entry therefore breaks either the
entry's own hash, its position, or the link to it, and `verify` says where.

Appending is serialised by the store alone: an appender writes the next position with a
write-once put; if another appender took that position first, the put fails, and the
loser reads the new head and tries the next position. So several threads, processes or
machines sharing a store never fork the chain, with no lock of their own.

What a chain cannot show by itself is a tail cut off, or a tail rewritten wholesale
with fresh hashes: a receipt holds the position and hash of its entry, so checking
receipts against the ledger (`college.receipts.verify_receipt`) anchors it up to that
entry, and a ledger given the party scrutineer's key (`signer`) signs a checkpoint of
its size and head after every append (college/checkpoints.py), which anchors the rest.

Embargo: entries hold procedure only (who, what object, which event, which rule). No
figure of a return or result ever goes into an entry: `reasons` carry rule names and
messages, never counts.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, ValidationError

from college.checkpoints import checkpoint_key, sign_checkpoint
from college import folders
from college.errors import CollegeError
from college.events import EVENTS
from college.model import Identifier, Model
from college.signing import canonical, digest
from college.store import NotInStore, Store, StoreConflict

GENESIS = "0" * 64
PREFIX = f"{folders.LEDGER}/"
_KEY = re.compile(rf"^{folders.LEDGER}/(\d{{8}})\.json$")

Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]

class Entry(Model):
    """One event. `body` is the returning body (affiliate) it concerns, `object_hash` the
    SHA-256 of the stored object it concerns, `reasons` the rules that decided it, `ids`
    any further identifiers (a superseded return's hash, a key id, a run id), and
    `once_key` the caller's name for the event when it must be recorded only once."""

    position: int = Field(ge=0)
    time: datetime
    event: Identifier
    body: Identifier | None = None
    object_hash: Hash | None = None
    reasons: list[Text] = []
    ids: dict[Identifier, Text] = {}
    once_key: Text | None = None
    prev: Hash
    hash: Hash


class Problem(Model):
    """Something wrong with the ledger: where (position and key) and which rule it breaks."""

    position: int | None
    key: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else self.key
        return f"{where}: {self.rule}: {self.message}"


def entry_key(position: int) -> str:
    return f"{PREFIX}{position:08d}.json"


def entry_hash(fields: Mapping) -> str:
    """The hash of an entry: SHA-256 of the canonical JSON of every field except `hash`."""
    return digest(canonical({name: value for name, value in fields.items() if name != "hash"}))


def _now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """The ledger in a store. One instance may be shared by threads; any number of
    instances (in other threads, processes or machines) may append to the same store.

    `clock` gives each entry's time (UTC); `max_attempts` bounds how often an append
    that keeps losing the race for the next position tries again.
    """

    def __init__(
        self, store: Store, *, clock: Callable[[], datetime] = _now, max_attempts: int = 10_000,
        signer: Ed25519PrivateKey | None = None,
    ):
        self.store = store
        self.clock = clock
        self.max_attempts = max_attempts
        self.signer = signer  # the party scrutineer's key: signs a checkpoint after every append
        self._head_signed = False
        self._entries: list[Entry] = []  # entries are write-once, so what was read stays true
        self._once: dict[str, Entry] = {}
        self._listed = False
        self._lock = threading.RLock()

    # --- appending -----------------------------------------------------------------------

    def append(
        self,
        event: str,
        *,
        body: str | None = None,
        object_hash: str | None = None,
        reasons: Iterable[str] = (),
        ids: Mapping[str, str] | None = None,
        once_key: str | None = None,
    ) -> Entry:
        """Record an event at the end of the chain and return its entry.

        With `once_key`, the event is recorded at most once: if an entry with that key
        is already in the ledger, it is returned and nothing is written (so a run that
        resumes after a crash does not record its events twice). This holds under
        concurrency too: an appender only wins a position after reading every entry
        before it.
        """
        with self._lock:
            for _ in range(self.max_attempts):
                self._catch_up()
                self._sign_head_once()  # a crash between an append and its checkpoint is made good
                if once_key is not None and once_key in self._once:
                    return self._once[once_key]
                position = len(self._entries)
                fields = {
                    "position": position,
                    "time": _timestamp(self.clock()),
                    "event": event,
                    "body": body,
                    "object_hash": object_hash,
                    "reasons": list(reasons),
                    "ids": dict(ids or {}),
                    "once_key": once_key,
                    "prev": self._entries[-1].hash if self._entries else GENESIS,
                }
                fields["hash"] = entry_hash(fields)
                try:
                    entry = Entry.model_validate(fields)
                except ValidationError as error:
                    problems = "; ".join(f"{item['loc'][0]}: {item['msg']}" for item in error.errors(include_input=False))
                    raise CollegeError(f"not a valid ledger entry ({problems})", field=event) from None
                if event not in EVENTS:
                    raise CollegeError(f"{event!r} is not an event the ledger knows (college/events.py names them all)", field="event")
                try:
                    self.store.put(entry_key(position), _encode(fields))
                except StoreConflict:
                    continue  # another appender took this position: read it, then try the next
                self._add(entry)
                self._checkpoint(entry)
                return entry
        raise CollegeError(f"could not append after {self.max_attempts} attempts", file=self.store.uri, field="ledger")

    def _checkpoint(self, entry: Entry) -> None:
        """Sign the ledger's size and head, write-once; someone else's checkpoint of that size stands."""
        if self.signer is None:
            return
        size = entry.position + 1
        try:
            self.store.put(checkpoint_key(size), sign_checkpoint(self.signer, size, entry.hash, self.clock()))
        except StoreConflict:
            pass

    def _sign_head_once(self) -> None:
        if self.signer is None or self._head_signed:
            return
        self._head_signed = True
        if self._entries and not self.store.exists(checkpoint_key(len(self._entries))):
            self._checkpoint(self._entries[-1])

    # --- reading -------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every entry, in order (checked as they are read: a broken chain is an error)."""
        with self._lock:
            self._catch_up()
            return list(self._entries)

    def head(self) -> Entry | None:
        """The last entry, or None for an empty ledger."""
        with self._lock:
            self._catch_up()
            return self._entries[-1] if self._entries else None

    def find(self, once_key: str) -> Entry | None:
        """The entry recorded with this `once_key`, if any."""
        with self._lock:
            self._catch_up()
            return self._once.get(once_key)

    def read(self, position: int) -> Entry | None:
        """The entry at `position` as the store holds it now (not from memory), or None
        when there is none. Its own hash is not checked here: `verify` does that."""
        try:
            return Entry.model_validate_json(self.store.get(entry_key(position)))
        except NotInStore:
            return None
        except ValidationError:
            raise CollegeError("not a ledger entry", file=self.store.uri, field=entry_key(position)) from None

    def export_jsonl(self) -> bytes:
        """The ledger as JSON lines, one entry a line, exactly as stored."""
        return b"".join(self.store.get(key) for key in self.store.list(PREFIX) if _KEY.match(key))

    def _catch_up(self) -> None:
        """Read entries written since we last looked: the whole ledger the first time,
        then position by position until the next one is not there."""
        if not self._listed:
            keys = self.store.list(PREFIX)
            if keys != [entry_key(p) for p in range(len(keys))]:
                raise CollegeError("the ledger has gaps or foreign objects: run `college ledger verify`", file=self.store.uri)
            self._listed = True
        while True:
            position = len(self._entries)
            try:
                data = self.store.get(entry_key(position))
            except NotInStore:
                return
            self._add(self._checked(position, data))

    def _checked(self, position: int, data: bytes) -> Entry:
        expected_prev = self._entries[-1].hash if self._entries else GENESIS
        problems = _entry_problems(position, entry_key(position), data, expected_prev)
        if problems:
            raise CollegeError(f"{problems[0]}; run `college ledger verify`", file=self.store.uri)
        return Entry.model_validate_json(data)

    def _add(self, entry: Entry) -> None:
        self._entries.append(entry)
        if entry.once_key is not None:
            self._once.setdefault(entry.once_key, entry)

    # --- verifying -----------------------------------------------------------------------

    def verify(self) -> list[Problem]:
        """Every problem with the ledger as the store holds it now, each naming the position:
        an entry edited (its hash no longer matches), removed (a gap), reordered or
        inserted (an entry at a position not its own, or not following the one before),
        unreadable, recording an event college/events.py does not name, or an object under
        ledger/ that is not an entry. Empty when it holds."""
        problems: list[Problem] = []
        positions: dict[int, str] = {}
        for key in self.store.list(PREFIX):
            match = _KEY.match(key)
            if match:
                positions[int(match[1])] = key
            else:
                problems.append(Problem(position=None, key=key, rule="foreign", message="not a ledger entry's name"))
        prev: str | None = GENESIS
        for position in range(max(positions, default=-1) + 1):
            key = entry_key(position)
            if position not in positions:
                problems.append(Problem(position=position, key=key, rule="removed", message="no entry here: the chain has a gap"))
                prev = None  # what followed the missing entry cannot be linked to it
                continue
            data = self.store.get(key)
            found = _entry_problems(position, key, data, prev)
            problems.extend(found)
            # the next entry links to this one as stored; after an entry out of place, to nothing we know
            prev = None if any(p.rule in ("unreadable", "moved") for p in found) else json.loads(data)["hash"]
        return problems


def _entry_problems(position: int, key: str, data: bytes, prev: str | None) -> list[Problem]:
    """What is wrong with the bytes at one position, given the hash of the entry before
    (None when unknown)."""

    def problem(rule: str, message: str) -> Problem:
        return Problem(position=position, key=key, rule=rule, message=message)

    try:
        fields = json.loads(data)
        Entry.model_validate(fields)
    except (ValueError, ValidationError):
        return [problem("unreadable", "not a ledger entry")]
    if data != _encode(fields):
        return [problem("edited", "not as the ledger writes it: the bytes were changed")]
    if fields["hash"] != entry_hash(fields):
        return [problem("edited", "its content no longer matches its hash: the entry was changed")]
    if fields["position"] != position:
        return [problem("moved", f"holds the entry for position {fields['position']}: entries were reordered, inserted or removed")]
    if prev is not None and fields["prev"] != prev:
        previous = f"entry {position - 1}" if position else "the start"
        return [problem("unlinked", f"does not follow {previous}: an entry was inserted here or the one before replaced")]
    if fields["event"] not in EVENTS:
        return [problem("unknown-event", f"records {fields['event']!r}, which is not an event of the ledger (college/events.py)")]
    return []


def _encode(fields: Mapping) -> bytes:
    return canonical(dict(fields)) + b"\n"


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise CollegeError("the ledger's clock must give aware times", field="time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
