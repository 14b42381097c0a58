"""The tellers' page: `college meeting serve` as a real process, entered through as a teller would, in Chromium at tablet size."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from college.meeting.record import load_record
from college.store import store_from
from tests.service_world import free_port
from tests.test_browser import ARTIFACTS, CHROMEDRIVER, CHROMIUM

NORTHFIELD = Path(__file__).resolve().parent.parent / "examples" / "selection-northfield"
COLLEGE = str(Path(sys.executable).parent / "college")
FIRST = {"returned": "31", "spoilt": "1", "blank": "0",
         "votes:Grace Adeyemi": "12", "votes:Hassan Ali": "8", "votes:Imran Shah": "5", "votes:Jane Morris": "5"}


@pytest.fixture
def tellers(tmp_path):
    record = tmp_path / "record"
    subprocess.run([COLLEGE, "meeting", "open", str(NORTHFIELD / "selection.toml"), "--present", "31", "--record", str(record)],
                   check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([COLLEGE, "meeting", "serve", "--record", str(record), "--port", str(port)],
                                   stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        link = re.search(r"(http://\S+/sign-in\?token=\S+)", log.read_text()).group(1)
        yield url, link, record
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def signed_in(client: httpx.Client, link: str) -> tuple[dict, str]:
    """The teller's session cookie (sent by hand: the cookie is Secure and this is plain http) and the form's token."""
    answer = client.get(link)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].split(";")[0]
    headers = {"cookie": cookie}
    page = client.get("/", headers=headers).text
    return headers, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_a_teller_enters_rounds_and_the_rules_answer(tellers):
    url, link, record = tellers
    with httpx.Client(base_url=url, timeout=30) as client:
        # Anyone may read where the ballot stands; nobody without the link gets the form.
        public = client.get("/").text
        assert "Next: a round of Grace Adeyemi, Hassan Ali, Imran Shah, Jane Morris" in public and 'name="csrf"' not in public
        assert client.post("/round", data=FIRST).status_code == 401
        assert client.get(link.replace("token=", "token=x")).status_code == 403
        headers, csrf = signed_in(client, link)
        # No token, or another, is refused and records nothing.
        assert client.post("/round", data=FIRST, headers=headers).status_code == 403
        assert client.post("/round", data=FIRST | {"csrf": "forged"}, headers=headers).status_code == 403
        # An impossible tally is refused with its rule, nothing recorded.
        bad = client.post("/round", data=FIRST | {"csrf": csrf, "votes:Grace Adeyemi": "40"}, headers=headers)
        assert bad.status_code == 400 and "rules 7a, 8b" in bad.text
        junk = client.post("/round", data=FIRST | {"csrf": csrf, "returned": "-3"}, headers=headers)
        assert junk.status_code == 400 and "whole number" in junk.text
        assert load_record(store_from(record))[1] == 0
        # The real round: the rules call a separate ballot (rule 12), and the record holds it.
        entered = client.post("/round", data=FIRST | {"csrf": csrf}, headers=headers)
        assert entered.status_code == 303
        page = client.get("/", headers=headers).text
        assert "Rule 12:" in page and "Next: a separate ballot (rule 12) of Imran Shah, Jane Morris" in page
        meeting, rounds = load_record(store_from(record))
        assert rounds == 1 and meeting.next.kind == "separate"
        sheets = client.get("/sheets.pdf")
        assert sheets.status_code == 200 and sheets.content.startswith(b"%PDF")
        assert "content-security-policy" in sheets.headers


def test_the_page_on_a_tablet(tellers):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, link, record = tellers
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=768,1024"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get(link)
        for name, value in FIRST.items():
            field = driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        submit = driver.find_element(By.CSS_SELECTOR, "form.tally button[type=submit]")
        submit.click()
        # The next page, not the one the click leaves: reading that one as it unloads goes stale.
        WebDriverWait(driver, 60).until(expected_conditions.staleness_of(submit))
        WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: "separate ballot (rule 12)" in d.find_element(By.TAG_NAME, "main").text
        )
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 768
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "tellers-tablet.png"))
    finally:
        driver.quit()
    assert load_record(store_from(record))[1] == 1
