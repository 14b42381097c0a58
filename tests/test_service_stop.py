"""`college serve` stopped as a process manager stops it (SIGTERM) leaves nothing running: with
embedded ingest and no Prefect server given, Prefect starts a temporary server of its own, which
stayed running after the service had gone (uvicorn re-raises the SIGTERM, and the default action
skipped Prefect's clean-up at exit)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.service_world import make_world, post_return, start_server, wait_for_receipt
from tests.topology import descendants


def test_stopping_the_service_stops_the_prefect_server_it_started(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    world = make_world(tmp_path / "world", None)
    server = start_server(world, environment={"PREFECT_HOME": str(tmp_path / "prefect-home")})
    try:
        answer = post_return(server.url, world.sealed("unite-test"))
        assert answer.status_code == 202, answer.text
        assert wait_for_receipt(server.url, answer.json()["sha256"]).status_code == 200  # so ingest ran on Prefect
        started = descendants(server.process.pid)
        assert any(b"prefect.server" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in started), started
    finally:
        server.stop()
    assert server.process.returncode == 0
    left = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in started if _alive(pid)}
    for pid in left:  # a failing run must not leave them behind either
        os.kill(pid, signal.SIGKILL)
    assert left == {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"  # a zombie has ended
