"""The Procedures Committee in a real browser, from passkey sign-in to the declaration, and the leak crawl.

A real `college serve` on localhost, headless Chromium with a virtual authenticator: a member
enrols a passkey with their signed token and signs in; the committee proceeds without a
missing body, runs the count, decides the tie the count refers to it (the paused count
resumes), hands in three contributions (the quorum) and the declaration runs; the public
results page then shows the result. Before the declaration a crawl of every route as every
role finds none of the returns' sentinel figures, in any answer or in the server's log;
after it, the same crawl finds them (so the crawl can fail).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from unittest import mock

import pytest

from college.service.app import create_app
from college.service.state import Config
from tests.service_world import SENTINELS, Visitor, click_through, make_world, post_return, start_server, wait_for_receipt
from tests.test_browser import _screenshot, browser  # noqa: F401 - the fixture, shared

RETURNING = ("plp-ballot", "unite-test")  # members-ballot never returns: the committee proceeds without it


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_server):
    from prefect.settings import PREFECT_API_URL

    # No returns deadline: the committee may decide and count as soon as the returns are in
    # (the dry run and tests/test_service_decisions.py, which admits a late return, exercise a deadline).
    world = make_world(tmp_path_factory.mktemp("service-committee"), None)
    # The dashboard stays still: the browser reads it step by step, and a refresh between two steps
    # (tests/test_dashboard_refresh.py tests the refresh) would swap the page under the reader.
    server = start_server(world, "--dashboard-refresh", "0", environment={"PREFECT_API_URL": PREFECT_API_URL.value()})
    yield world, server
    server.stop()


def _found(text: str) -> list[str]:
    return [s for s in SENTINELS if s in text]


def crawl(world, server, visitors: dict[str, Visitor], shas: list[str], receipt: bytes) -> dict[str, str]:
    """Every route of the service, asked by every role: {"role METHOD url": answer text}.

    The routes are read from the application itself, so a new route the crawl does not
    know fails the test instead of going unchecked."""
    with mock.patch.dict(os.environ, world.environment()):  # the server's keys, not what other tests left here
        app = create_app(Config(contest_file=world.contest_file, store=str(server.store)))
    fill = {
        "{sha256}": shas + ["0" * 64, "not-a-hash"],
        "{sha}": ["0" * 64],
        "{name}": ["declaration.json", "report.html", "report.json", "nothing"],
        "{path:path}": ["college.css", "passkey.js"],
    }
    answers = {}
    known = set()
    for route in _routes(app.routes):
        path = route.path if hasattr(route, "methods") else f"{route.path}/{{path:path}}"
        methods = sorted(getattr(route, "methods", None) or {"GET"})
        known.add(path)
        urls = [path]
        for placeholder, values in fill.items():
            if placeholder in path:
                urls = [u.replace(placeholder, v) for u in urls for v in values]
        assert not re.search(r"{\w+}", "".join(urls)), f"the crawl does not know how to fill {path}"
        for role, visitor in visitors.items():
            for url in urls:
                for method in methods:
                    if method == "HEAD":
                        continue
                    if method == "GET":
                        answer = visitor.get(url)
                    elif url == "/committee/sign-out":  # without its token: it must not end the crawl's session
                        answer = visitor.post(url)
                    elif url == "/check":
                        answer = visitor.post(url, data={"csrf": visitor.csrf("/check")}, files={"receipt": ("r.json", receipt)})
                    else:
                        token = visitor.csrf("/committee" if "college_session" in visitor.cookies else "/upload")
                        answer = visitor.post(url, data={"csrf": token}, headers={"x-csrf-token": visitor.cookies.get("college_csrf", "")})
                    assert answer.status_code < 500, (role, method, url, answer.text)
                    answers[f"{role} {method} {url}"] = answer.text + json.dumps(dict(answer.headers))
    assert {"/", "/upload", "/check", "/results", "/results/{name}", "/results/bundle.zip", "/api/v1/status",
            "/committee", "/committee/declaration", "/api/v1/receipts/{sha256}", "/submissions/{sha256}"} <= known
    return answers


def _routes(routes):
    """The application's routes, those of each included router among them."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps an included router whole
            yield from _routes(route.original_router.routes)
        else:
            yield route


def _status(visitor: Visitor) -> dict:
    answer = visitor.get("/api/v1/status")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _wait(what, check, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _virtual_authenticator(driver):
    from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions

    options = VirtualAuthenticatorOptions(
        protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True, has_user_verification=True,
        is_user_verified=True,
    )
    driver.add_virtual_authenticator(options)


def test_the_committee_from_sign_in_to_the_declaration(served, browser, tmp_path):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    world, server = served
    shas, receipts = [], []
    for body in RETURNING:
        answer = post_return(server.url, world.sealed(body))
        assert answer.status_code == 202, answer.text
        shas.append(answer.json()["sha256"])
        receipts.append(wait_for_receipt(server.url, shas[-1]))
        assert json.loads(receipts[-1].content)["receipt"]["outcome"] == "accepted"

    # Two members without a browser (a software passkey), one with Chromium's virtual authenticator.
    chair, cac = Visitor(server.url), Visitor(server.url)
    chair_passkey = chair.enrol_and_sign_in(world, "nec-chair")
    cac_passkey = cac.enrol_and_sign_in(world, "cac-chair")
    public, scrutineer = Visitor(server.url), Visitor(server.url)
    scrutineer.get(f"/submissions/{shas[0]}")
    roles = {"public": public, "scrutineer": scrutineer, "committee": chair}

    browser.get(f"{server.url}/committee/enrol")
    _virtual_authenticator(browser)
    Select(browser.find_element("id", "member")).select_by_value("procedures-secretary")
    browser.find_element("id", "enrol-button").click()
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.current_url.endswith("/committee/enrol/bind"))
    fingerprint = browser.find_element("id", "fingerprint").text
    browser.find_element("id", "token").send_keys(world.token("procedures-secretary", fingerprint))
    _screenshot(browser, "service-committee-bind-passkey.png")
    click_through(browser, "bind-button")
    assert browser.current_url.endswith("/committee/sign-in")
    browser.find_element("id", "sign-in-button").click()
    wait.until(lambda d: d.current_url.endswith("/committee"))
    assert "DRY RUN General Secretary" in browser.find_element("class name", "who").text
    assert browser.find_element("id", "ledger-verifies").text == "verifies"
    assert browser.find_element("id", "missing").text == "members-ballot"
    _screenshot(browser, "service-committee-dashboard.png")

    # A decision: proceed without the missing body. One member proposes it and signs it with their passkey in
    # the browser, two more sign it with theirs: at the quorum (3) it is recorded. Then the count runs, and
    # refers the tie to the committee. The dashboard is loaded afresh first: the sign-in's own navigation
    # could still be replacing the page it was read from (a node "not in the document" once in a full run).
    browser.get(f"{server.url}/committee")
    click_through(browser, "proceed")
    sign_in_the_browser(browser)
    assert chair.sign_decisions(chair_passkey) == 1 and cac.sign_decisions(cac_passkey) == 1
    browser.get(f"{server.url}/committee")
    assert "count without missing returns" in browser.find_element("id", "action-list").text
    assert "members-ballot" in browser.find_element("id", "missing").text and "decided" in browser.find_element("id", "missing").text
    click_through(browser, "start-count")
    _wait("the count to pause on the tie", lambda: _status(chair)["count"]["state"] == "paused on a referred tie")

    answers = crawl(world, server, roles, shas, receipts[0].content)
    leaks = {where: _found(text) for where, text in answers.items() if _found(text)}
    assert not leaks, leaks
    assert not _found(server.output())

    browser.get(f"{server.url}/committee")
    browser.find_element("css selector", "input[value='Bob Example']").click()
    _screenshot(browser, "service-committee-tie.png")
    click_through(browser, "decide-tie")
    sign_in_the_browser(browser)
    _screenshot(browser, "service-committee-decision-signed.png")
    assert chair.sign_decisions(chair_passkey) == 1 and cac.sign_decisions(cac_passkey) == 1
    _wait("the count to seal its result", lambda: _status(chair)["count"]["state"] == "sealed")
    sealed = next(e for e in chair_ledger(server) if e["event"] == "counted")["object_hash"]
    decided = next(e for e in chair_ledger(server) if e["event"] == "decision" and e["ids"].get("kind") == "tie")
    assert decided["ids"]["decided-by"] == (
        "DRY RUN General Secretary (Procedures Secretary), DRY RUN Chair of the NEC, DRY RUN Chair of CAC"
    )
    # The signed decision, kept in the store, holds for anyone with the contest file alone.
    from college.decisions import read_decision, verify_decision

    document = read_decision((server.store / "decisions" / decided["ids"]["decision"]).read_bytes())
    assert {s.method for s in document.signatures} == {"passkey"}
    assert verify_decision(document, world.contest) == []

    # Hostile members: no CSRF token; another member's contribution; a contribution for another result.
    assert chair.post("/committee/decisions", data={"kind": "proceed"}).status_code == 403
    other = chair.post("/committee/contribution", data={"csrf": chair.csrf("/committee")},
                       files={"contribution": ("c.json", world.contribution("cac-chair", sealed))})
    assert other.status_code == 403 and "own contribution" in other.text
    stale = chair.post("/committee/contribution", data={"csrf": chair.csrf("/committee")},
                       files={"contribution": ("c.json", world.contribution("nec-chair", "0" * 64))})
    assert stale.status_code == 422 and "another sealed result" in stale.text
    twice = world.contribution("nec-chair", sealed).replace(b"{", b'{"share": "AAAA",', 1)  # a key given twice
    doubled = chair.post("/committee/contribution", data={"csrf": chair.csrf("/committee")},
                         files={"contribution": ("c.json", twice)})
    assert doubled.status_code == 422 and "not a contribution file" in doubled.text

    # Again before the declaration, now that a sealed result exists: still nothing.
    answers = crawl(world, server, roles, shas, receipts[0].content)
    leaks = {where: _found(text) for where, text in answers.items() if _found(text)}
    assert not leaks, leaks
    assert not _found(server.output())

    # The declaration: each member hands in their contribution; the third reaches the quorum.
    contribution = tmp_path / "procedures-secretary.json"
    contribution.write_bytes(world.contribution("procedures-secretary", sealed))
    browser.get(f"{server.url}/committee/declaration")
    browser.find_element("id", "contribution").send_keys(str(contribution))
    click_through(browser, "hand-in")
    assert browser.find_element("id", "contributions").text == "1"
    for visitor, member in ((chair, "nec-chair"), (cac, "cac-chair")):
        answer = visitor.post("/committee/contribution", data={"csrf": visitor.csrf("/committee")},
                              files={"contribution": ("c.json", world.contribution(member, sealed))})
        assert answer.status_code == 303, answer.text
    _wait("the declaration", lambda: "elected" in public.get("/results").text)

    browser.get(f"{server.url}/results")
    assert browser.find_element("id", "statement").text.startswith("Ann Example is elected Leader")
    _screenshot(browser, "service-public-results.png")
    browser.get(f"{server.url}/check")
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(receipts[1].content)
    browser.find_element("id", "receipt").send_keys(str(receipt))
    click_through(browser, "check")
    assert "the one that counted" in browser.find_element("id", "counted").text
    _screenshot(browser, "service-receipt-counted.png")

    # After the declaration the same crawl finds the figures: it would have found a leak.
    answers = crawl(world, server, roles, shas, receipts[0].content)
    assert any(_found(text) for text in answers.values())
    assert _found(answers["public GET /results/declaration.json"])
    assert public.get("/results/bundle.zip").headers["content-type"] == "application/zip"


def sign_in_the_browser(browser) -> None:
    """The member in the browser signs the decision the dashboard offers, with the virtual authenticator:
    the script asks the authenticator, posts its answer and reloads the dashboard, which offers it no more."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    buttons = browser.find_elements("css selector", "button.sign-decision")
    assert buttons, browser.find_element("tag name", "main").text
    buttons[0].click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(buttons[0]))
    assert not browser.find_elements("css selector", "button.sign-decision"), browser.find_element("tag name", "main").text


def chair_ledger(server) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(server.store, "ledger").glob("*.json"))]
