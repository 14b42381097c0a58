"""What the service holds while it runs: the contest, the store and its ledger, sessions,
passkeys, the flows it started, and the contributions handed in for the declaration."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from college.ceremony import Ceremony, count_key_from_environment, load_ceremony
from college.anchor import verify_anchor
from college.contest import Contest
from college.model import parse_toml
from college.preconditions import check_receipt_key
from college.declaration import Declaration, read_declaration
from college.errors import CollegeError
from college.ledger import Entry, Ledger, Problem
from college.service.passkeys import Passkeys
from college.service.security import Limits, Sessions
from college.service.work import Ingest, Runner
from college.signing import digest, ed25519_public
from college.store import Store, store_from

RECEIPT_KEY = "COLLEGE_RECEIPT_KEY"
RECEIPT_PUBLIC_KEY = "COLLEGE_RECEIPT_PUBLIC_KEY"
VERIFY_SECONDS = 30.0  # how stale the service's verification of the ledger may be while the ledger does not grow


@dataclass
class Config:
    contest_file: Path
    store: str | None = None
    public_url: str = "http://localhost:8080"
    ingest: str = "embedded"  # or "deployment"
    ceremony_file: Path | None = None
    publish_dir: Path = Path("published")
    limits: Limits = field(default_factory=lambda: Limits(upload_bytes=64 * 2**20, uploads_per_minute=120, requests_per_minute=600))
    ingest_interval: float = 60.0
    committee: bool = True  # the committee's pages (sign-in, dashboard, decisions, contributions)
    dashboard_refresh: int = 15  # seconds between the dashboard's own refreshes; 0: never (WCAG 2.2.1, timing adjustable)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise CollegeError("cannot read the contest file", file=str(path)) from None


def receipt_signer() -> Ed25519PrivateKey | None:
    """The party scrutineer's receipt key, where this service is given it (it signs decisions' receipts
    and the ledger's checkpoints); None for a service that only shows receipts and results."""
    if not (os.environ.get(RECEIPT_KEY) or os.environ.get(f"{RECEIPT_KEY}_BLOCK")):
        return None
    from flows.secrets import receipt_key

    return receipt_key()


def receipt_public_key(signer: Ed25519PrivateKey | None) -> Ed25519PublicKey | None:
    """The key receipts are checked with: given alone (a service that only shows receipts), else the signer's."""
    if os.environ.get(RECEIPT_PUBLIC_KEY):
        return ed25519_public(os.environ[RECEIPT_PUBLIC_KEY], field=RECEIPT_PUBLIC_KEY)
    return None if signer is None else signer.public_key()


class Service:
    def __init__(self, config: Config):
        self.config = config
        self.contest_bytes = _read(config.contest_file)
        self.contest: Contest = parse_toml(Contest, self.contest_bytes, str(config.contest_file))
        self.store: Store = store_from(config.store, default=self.contest.store)
        # The party scrutineer's key signs a checkpoint after each of the service's appends (issue 15).
        self.signer = receipt_signer()
        self.ledger = Ledger(self.store, signer=self.signer)
        if self.signer is not None:  # what it signs is write-once: refuse a swapped or another contest's key at start
            check_receipt_key(self.ledger, self.signer, count_key_from_environment())
        verify_anchor(self.ledger.entries(), self.contest_bytes, str(config.contest_file))
        self.ceremony: Ceremony | None = load_ceremony(config.ceremony_file) if config.ceremony_file else None
        self.receipt_key = receipt_public_key(self.signer)
        self.sessions = Sessions()
        self.passkeys = Passkeys(self.contest, self.store, self.ledger, config.public_url)
        self.ingest = Ingest(config.contest_file, self.store.uri, config.ingest, config.ingest_interval)
        self.count = Runner("count")
        self.declaration = Runner("declaration")
        self.contributions: dict[str, bytes] = {}  # member id -> their contribution, in memory until the declaration
        self.proposals: dict = {}  # decisions awaiting the members' signatures (college/service/decisions.py)
        self._lock = threading.Lock()
        self._declaration: Declaration | None = None
        self.published: Path | None = None  # where the declaration and its reports are, once declared
        self._verifying = threading.Lock()  # one full verification at a time; the others wait for its answer
        self._verified: tuple[int, float, list[Problem]] | None = None  # (ledger length, when, problems) when last verified

    def entries(self) -> list[Entry]:
        return self.ledger.entries()

    def ledger_verification(self) -> list[Problem]:
        """What `college ledger verify` finds, verified again whenever the ledger grows, and at least every
        VERIFY_SECONDS besides: it reads every entry from the store, so not once for each receipt shown."""
        length = len(self.entries())
        with self._verifying:
            last = self._verified
            if last is None or last[0] != length or time.monotonic() - last[1] > VERIFY_SECONDS:
                self._verified = (length, time.monotonic(), self.ledger.verify())
            return self._verified[2]

    def ledger_problems(self) -> int:
        """How many problems `college ledger verify` would find (ledger_verification)."""
        return len(self.ledger_verification())

    def declaration_recorded(self) -> bool:
        """Whether the ledger records the declaration: read from the ledger alone, never waiting for the
        publishing (`declared`, which writes the reports, seconds for a large contest)."""
        return self._declaration is not None or self._declared_entry() is not None

    def _declared_entry(self) -> Entry | None:
        from college.events import DECLARED

        return next((e for e in reversed(self.entries()) if e.event == DECLARED), None)

    def declared(self) -> Declaration | None:
        """The declaration, once the ledger records it, published into the service's folder; else None.
        It may write the reports: call it in a thread, never on the event loop.

        Nothing with a figure is read before then: this is the embargo's one gate in the service."""
        if self._declaration is not None:
            return self._declaration
        from college.folders import DECLARATIONS

        entry = self._declared_entry()
        if entry is None:
            return None
        with self._lock:
            # A folder of its own, named by the declaration's SHA-256: what the publish folder held before
            # (a rehearsal's declaration, another contest's) is never shown as this one. The declaration is
            # written last, so a folder a crash left half-written is written again.
            folder = self.config.publish_dir / entry.object_hash
            path = folder / "declaration.json"
            if not path.is_file() or digest(path.read_bytes()) != entry.object_hash:
                from college.recount import write_bundle
                from college.reports.publish import write_reports

                folder.mkdir(parents=True, exist_ok=True)
                writing = folder / "declaration.json.partial"
                writing.write_bytes(self.store.get(f"{DECLARATIONS}/{entry.object_hash}"))
                declaration = read_declaration(writing)
                write_reports(declaration, folder / "reports")
                write_bundle(declaration, folder / "bundle")
                os.replace(writing, path)
            self._declaration = read_declaration(path)
            self.published = folder
        return self._declaration

    def start(self) -> None:
        self.ingest.start()

    def stop(self) -> None:
        self.ingest.stop()
