"""The contest file anchored in the ledger: the count runs on the file it began with.

Issue 15 item 5. The first ledger event (`contest`) records the SHA-256 of the contest
file's bytes, and the bytes themselves are kept write-once in the store
(`contests/<sha256>`). From then on ingest, tally and declare refuse a contest file
whose bytes differ, unless a signed committee amendment (college/decisions.py, kind
`amend`) recorded in the ledger moved the anchor from the old file to exactly this one.
An amendment is verified against the committee of the file it amends, so a new file
cannot bring its own committee to approve itself. Moving the returns deadline after
returns were accepted therefore needs the committee's signatures, and shows in status
and in the NEC report.
"""

from __future__ import annotations

from dataclasses import dataclass

from college.contest import Contest
from college.errors import CollegeError
from college.events import CONTEST
from college.folders import CONTESTS
from college.ledger import Entry, Ledger
from college.model import parse_toml
from college.signing import digest

AMEND = "amend"


@dataclass(frozen=True)
class Amendment:
    """A recorded change of the contest file: procedure only."""

    position: int
    previous: str
    current: str
    reason: str
    decided_by: str


def contest_key(sha: str) -> str:
    return f"{CONTESTS}/{sha}"


def anchor_entry(entries: list[Entry]) -> Entry | None:
    return next((e for e in entries if e.event == CONTEST and e.once_key == CONTEST), None)


def amendments(entries: list[Entry]) -> list[Amendment]:
    """The recorded amendments, in the order they were taken."""
    return [
        Amendment(e.position, e.ids["from"], e.ids["to"], "; ".join(e.reasons), e.ids.get("decided-by", ""))
        for e in entries
        if e.ids.get("kind") == AMEND and "to" in e.ids
    ]


def anchored_hash(entries: list[Entry]) -> str | None:
    """The SHA-256 of the contest file the count runs on now: the anchor, moved by each amendment."""
    anchor = anchor_entry(entries)
    if anchor is None:
        return None
    current = anchor.ids["sha256"]
    for amendment in amendments(entries):
        current = amendment.current
    return current


def anchored_contest(ledger: Ledger) -> tuple[Contest, bytes] | None:
    """The contest file the count runs on now, as the store keeps it (None before the anchor)."""
    sha = anchored_hash(ledger.entries())
    if sha is None:
        return None
    data = ledger.store.get(contest_key(sha))
    return parse_toml(Contest, data, contest_key(sha)), data


def verify_anchor(entries: list[Entry], data: bytes, file: str) -> None:
    """Refuse a contest file that differs from the one anchored now (nothing anchored yet: nothing to refuse)."""
    current = anchored_hash(entries)
    if current is not None and digest(data) != current:
        raise CollegeError(
            f"differs from the contest file anchored in the ledger (sha256 {current[:16]}...): a change needs the "
            "committee's signed amendment (`college decision amend`), recorded before it is used",
            file=file, field="contest file",
        )


def check_contest(ledger: Ledger, contest: Contest, data: bytes, file: str) -> Entry:
    """Anchor the contest file at the ledger's first event, or refuse a file that differs from the
    one anchored (and not covered by a recorded amendment). Returns the anchoring entry."""
    entries = ledger.entries()
    anchor = anchor_entry(entries)
    sha = digest(data)
    if anchor is None:
        ledger.store.put(contest_key(sha), data)
        return ledger.append(
            CONTEST, object_hash=sha, ids={"sha256": sha, "contest": contest.id},
            reasons=["the contest file the count runs on"], once_key=CONTEST,
        )
    verify_anchor(entries, data, file)
    if anchor.ids.get("contest") != contest.id:  # cannot differ for the same bytes; a guard against a forged entry
        raise CollegeError("the ledger's anchor names another contest", file=file, field="id")
    return anchor
