"""The embargo, as the reports see it: no figure leaves before the declaration.

Seed 003 items 28-31: nobody releases a result before it is declared at the Electoral
College meeting. Every report command reads only a declaration made by the declaration
flow; handed anything else (no file, a sealed or bare result, a declaration that was
changed) it refuses with one message, which names no figure.
"""

from __future__ import annotations

import json
from pathlib import Path

from college.declaration import Declaration, read_declaration
from college.errors import CollegeError


class Embargoed(CollegeError):
    """Asked for a figure before a declaration was made."""


def embargo_message(contest: str | None, reason: str) -> str:
    which = f"contest {contest}" if contest else "this contest"
    return (
        f"embargoed: no declaration has been made for {which}; results are available only after "
        f"the Procedures Committee declares them ({reason})"
    )


def _contest_named_in(path: Path) -> str | None:
    """The contest a file says it belongs to, if it is JSON that says so: only to word the message."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for key in ("contest_id", "contest"):
        if isinstance(data.get(key), str):
            return data[key]
    return None


def require_declared(path: str | Path) -> Declaration:
    """The declaration at `path`, or Embargoed: the only way a report gets its figures."""
    path = Path(path)
    if not path.is_file():
        raise Embargoed(embargo_message(None, f"{path} does not exist"))
    try:
        return read_declaration(path)
    except CollegeError:
        # Which check failed is deliberately not detailed: a sealed result, a bare result
        # and a tampered declaration all mean the same thing to the reader.
        reason = f"{path} is not a declaration made by the declaration flow, or was changed after it"
        raise Embargoed(embargo_message(_contest_named_in(path), reason)) from None
