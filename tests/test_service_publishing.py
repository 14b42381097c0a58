"""The service publishes the declaration (reports, bundle) once the ledger records it, in a thread: while it
writes them, every other page still answers. A real uvicorn in a thread of this process, one event loop for
all requests; the reports' writing is held until the test lets it go."""

from __future__ import annotations

import threading

import httpx

from college.events import DECLARED
from college.folders import DECLARATIONS
from college.service.app import Background
from college.service.state import Config
from college.signing import canonical, digest
from tests.service_world import make_world
from tests.test_reports import small_declaration


def test_every_page_answers_while_the_declaration_is_being_published(tmp_path, monkeypatch):
    for name in ("COLLEGE_COUNT_KEY", "COLLEGE_COUNT_KEY_BLOCK", "COLLEGE_RECEIPT_KEY", "COLLEGE_RECEIPT_KEY_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    world = make_world(tmp_path / "world", None)
    writing, go = threading.Event(), threading.Event()
    from college.reports import publish

    real_write = publish.write_reports

    def slow_write(*args, **kwargs):  # as a large contest's reports (HTML, JSON, PDF, CSV) take seconds
        writing.set()
        go.wait(30)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(publish, "write_reports", slow_write)
    served = Background(Config(contest_file=world.contest_file, store=str(tmp_path / "store"), publish_dir=tmp_path / "published"))
    try:
        svc = served.app.state.service
        data = canonical(small_declaration().model_dump(mode="json"))
        svc.store.put_content(DECLARATIONS, data)
        svc.ledger.append(DECLARED, object_hash=digest(data), ids={"sealed": "a" * 64}, reasons=["declared"])
        results = []
        reader = threading.Thread(target=lambda: results.append(httpx.get(f"{served.url}/results", timeout=60)))
        reader.start()
        assert writing.wait(30)
        try:
            home = httpx.get(f"{served.url}/", timeout=3)  # it waited for the reports, on the event loop
            assert home.status_code == 200 and "read the results" in home.text
        finally:
            go.set()
            reader.join(60)
        assert results[0].status_code == 200
    finally:
        go.set()
        served.stop()
