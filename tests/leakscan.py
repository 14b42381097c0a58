"""A scanner for embargoed figures: every place Prefect or the pipeline may have written one.

Prefect's persisted results are JSON holding base64 of cloudpickle, so a plain grep
misses them (shared/docs/prefect-notes.md); every base64 run is decoded and searched too.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{16,}={0,2}")


def _decoded(data: bytes) -> Iterable[bytes]:
    yield data
    for run in BASE64_RUN.findall(data):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                yield decode(run + b"=" * (-len(run) % 4))
            except (binascii.Error, ValueError):
                continue


def hits_in_bytes(data: bytes, sentinels: Iterable[str], where: str) -> list[str]:
    found = []
    for chunk in _decoded(data):
        for sentinel in sentinels:
            if sentinel.encode("utf-8") in chunk:
                found.append(f"{where}: {sentinel!r}")
    return sorted(set(found))


def scan_files(root: Path, sentinels: Iterable[str], skip: Iterable[Path] = ()) -> list[str]:
    """Every file under `root` except those under `skip` (the sealed objects, say)."""
    skipped = [Path(s).resolve() for s in skip]
    found = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        found += hits_in_bytes(path.read_bytes(), sentinels, str(path))
    return found


def scan_sqlite(path: Path, sentinels: Iterable[str]) -> list[str]:
    """Every row of every table of a SQLite database, as text and as bytes."""
    found = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                for value in row:
                    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
                    found += hits_in_bytes(data, sentinels, f"{path} table {table}")
    return sorted(set(found))


def prefect_database() -> Path:
    """The SQLite file of the Prefect server this process talks to (the test harness's own)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url.get_secret_value()
    return Path(url.split(":///", 1)[1])
