"""The public page shows the contest's timetable before the declaration (issue 20 with issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from college.contest import load_contest
from college.service.app import create_app
from college.service.state import Config
from college.timetable import events

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "2026-paperwork" / "contest.toml"


def test_the_home_page_lists_every_date_of_the_calendar(tmp_path):
    contest = load_contest(EXAMPLE)
    app = create_app(Config(contest_file=EXAMPLE, store=str(tmp_path / "store"), publish_dir=tmp_path / "published"))
    with TestClient(app, base_url="https://localhost") as client:
        page = client.get("/")
    assert page.status_code == 200
    table = page.text[page.text.index('id="timetable"'):page.text.index("<h2>Scrutineers</h2>")]
    expected = events(contest.calendar, contest.position, [body.name for body in contest.register])
    assert len(re.findall(r"<tr><td><time", table)) == len(expected) >= 8
    for event in expected:
        assert event.when.isoformat() in table
