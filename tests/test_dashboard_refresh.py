"""The committee's dashboard refreshes itself, but never under a member signing with their passkey: a
meta refresh reloaded the page every 15 seconds whatever the member was doing, and a passkey on a phone
takes longer than that to answer. Headless Chromium against the service in a thread of this process;
the page's timers run 100 times faster, and the authenticator never answers."""

from __future__ import annotations

import time

import pytest

from college.service.app import Background
from college.service.state import Config
from tests.service_world import Visitor, free_port, make_world
from tests.test_browser import browser  # noqa: F401 - the fixture, shared

FAST_AND_SILENT = """
const later = window.setTimeout;
window.setTimeout = (f, ms, ...rest) => later(f, ms / 100, ...rest);
if (navigator.credentials) navigator.credentials.get = () => new Promise(() => {});
"""


def _serve(tmp_path, monkeypatch, **config):
    """The service in a thread of this process, on embedded defaults with no key: (world, base URL, service)."""
    for name in ("COLLEGE_COUNT_KEY", "COLLEGE_COUNT_KEY_BLOCK", "COLLEGE_RECEIPT_KEY", "COLLEGE_RECEIPT_KEY_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    world = make_world(tmp_path / "world", None)
    port = free_port()
    base = f"http://localhost:{port}"
    return world, base, Background(Config(contest_file=world.contest_file, store=str(tmp_path / "store"), public_url=base,
                                          publish_dir=tmp_path / "published", **config), port=port)


@pytest.fixture
def dashboard(tmp_path, monkeypatch, browser):  # noqa: F811 - the fixture
    world, base, served = _serve(tmp_path, monkeypatch)
    try:
        chair = Visitor(base)
        chair.enrol_and_sign_in(world, "nec-chair")
        proposed = chair.post("/committee/decisions", data={"csrf": chair.csrf("/committee"), "kind": "proceed"})
        assert proposed.status_code == 303, proposed.text
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAST_AND_SILENT})
        browser.get(f"{base}/static/college.css")
        for name, value in chair.cookies.items():
            browser.add_cookie({"name": name, "value": value, "path": "/"})
        browser.get(f"{base}/committee")
        yield browser
    finally:
        browser.delete_all_cookies()
        served.stop()


def _reloaded(browser, within: float) -> bool:
    browser.execute_script("window.sameDocument = true")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not browser.execute_script("return window.sameDocument === true"):
            return True
        time.sleep(0.05)
    return False


def test_the_dashboard_refreshes_itself_but_not_under_a_member_signing(dashboard):
    assert dashboard.execute_script("return document.querySelector('meta[http-equiv=refresh]')") is None
    assert _reloaded(dashboard, within=3)  # 15 s, at the page's faster clock
    dashboard.find_element("css selector", "button.sign-decision").click()
    assert dashboard.find_element("id", "passkey-message").text == "Waiting for your authenticator..."
    assert not _reloaded(dashboard, within=1.5)  # ten times the refresh's period at that clock


@pytest.mark.parametrize("seconds", [15, 0])
def test_the_dashboards_refresh_is_set_by_the_operator_and_zero_stops_it(tmp_path, monkeypatch, seconds):
    """WCAG 2.2.1 (timing adjustable): `college serve --dashboard-refresh 0` keeps the page still."""
    world, base, served = _serve(tmp_path, monkeypatch, dashboard_refresh=seconds)
    try:
        chair = Visitor(base)
        chair.enrol_and_sign_in(world, "nec-chair")
        page = chair.get("/committee").text
    finally:
        served.stop()
    assert ('data-refresh="15"' in page and '<meta http-equiv="refresh" content="15">' in page) == (seconds == 15)
    assert "data-refresh" not in page and "http-equiv" not in page if seconds == 0 else "refreshes every 15 seconds" in page
