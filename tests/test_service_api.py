"""`college serve`'s API and the scrutineer's pages, against a real uvicorn server on localhost.

The contract (DESIGN.md, issue 16 item 2): 202 {sha256, received_at, receipt_url} once kept; a 4xx
{error, rule} and nothing stored otherwise; receipts 200/202/404; status for the committee only.
Hostile clients each get a clear 4xx, never a 500, and nothing received is disturbed.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from college.ingest import RECEIVED, new_inbox_keys, receipt_key
from college.ledger import Ledger
from college.receipts import verify_receipt
from college.service.security import RateLimiter
from college.store import LocalStore
from tests.test_browser import _screenshot, browser  # noqa: F401 - the fixture, shared
from tests.service_world import Visitor, click_through, make_world, post_return, start_server, wait_for_receipt

LIMIT = 200_000  # the test server's upload limit: oversize bodies stay small


@pytest.fixture(scope="module")
def served(tmp_path_factory, prefect_server):
    from prefect.settings import PREFECT_API_URL

    world = make_world(tmp_path_factory.mktemp("service-api"), datetime.now(UTC) + timedelta(days=1))
    server = start_server(
        world, "--max-upload-bytes", str(LIMIT), "--uploads-per-minute", "100000", "--requests-per-minute", "100000",
        environment={"PREFECT_API_URL": PREFECT_API_URL.value()},
    )
    yield world, server
    server.stop()


@pytest.fixture(scope="module")
def accepted(served):
    """One return received and decided before the hostile clients come: it must stay as it is."""
    world, server = served
    data = world.sealed("plp-ballot")
    answer = post_return(server.url, data)
    assert answer.status_code == 202, answer.text
    receipt = wait_for_receipt(server.url, answer.json()["sha256"])
    assert receipt.status_code == 200, receipt.text
    return data, answer.json(), receipt.content


def _settled(server, timeout: float = 90) -> None:
    """Wait until ingest has taken everything in the inbox and issued every receipt."""
    store = LocalStore(server.store)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ledger = Ledger(store)
        taken = not new_inbox_keys(ledger, store)
        if taken and all(store.exists(receipt_key(e.object_hash)) for e in ledger.entries() if e.event == RECEIVED):
            return
        time.sleep(0.3)
    raise AssertionError("ingest did not settle")


def _stored(server) -> dict[str, bytes]:
    _settled(server)
    store = LocalStore(server.store)
    return {key: store.get(key) for key in store.list()}


def test_an_upload_is_acknowledged_then_receipted(served, accepted):
    world, server = served
    data, acknowledged, receipt = accepted
    assert acknowledged["sha256"] == hashlib.sha256(data).hexdigest()
    assert datetime.fromisoformat(acknowledged["received_at"]).tzinfo is not None
    assert acknowledged["receipt_url"] == f"{server.url}/api/v1/receipts/{acknowledged['sha256']}"
    assert json.loads(receipt)["receipt"]["outcome"] == "accepted"
    assert verify_receipt(receipt, world.receipt_key.public_key(), Ledger(LocalStore(server.store))) == []
    # The same bytes again: the same hash (ingest records the repeat as a duplicate of one submission).
    again = post_return(server.url, data)
    assert again.status_code == 202 and again.json()["sha256"] == acknowledged["sha256"]
    assert httpx.get(acknowledged["receipt_url"]).content == receipt


def test_a_receipt_is_pending_until_decided_and_unknown_bytes_are_404(served, accepted):
    _, server = served
    assert httpx.get(f"{server.url}/api/v1/receipts/{'0' * 64}").json() == {
        "error": "no submission with this SHA-256 was ever received", "rule": "not-received"
    }
    assert httpx.get(f"{server.url}/api/v1/receipts/{'0' * 64}").status_code == 404


def test_the_openapi_page_documents_the_contract(served):
    _, server = served
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/api/v1/returns", "/api/v1/receipts/{sha256}", "/api/v1/status"} <= set(spec["paths"])
    upload = spec["paths"]["/api/v1/returns"]["post"]
    assert "application/octet-stream" in upload["requestBody"]["content"]
    assert {"202", "400", "413", "415", "422"} <= set(upload["responses"])
    assert httpx.get(f"{server.url}/docs").status_code == 200


def _hostile(world, server):
    """(what, request) pairs: each must get a 4xx with {error, rule}."""
    sealed = world.sealed("unite-test")
    body = {"content-type": "application/octet-stream"}
    tampered = bytearray(sealed)
    at = sealed.index(b'"ciphertext":"') + 20
    tampered[at] = ord("A") if tampered[at] != ord("A") else ord("B")
    return [
        ("oversize with a length", lambda c: c.post("/api/v1/returns", content=b"x" * (LIMIT + 1), headers=body), 413, "size"),
        ("oversize, streamed", lambda c: c.post("/api/v1/returns", content=iter([b"x" * 65536] * 4), headers=body), 413, "size"),
        ("oversize form", lambda c: c.post("/upload", content=b"x" * (LIMIT + 1), headers={"content-type": "multipart/form-data; boundary=x"}), 413, "size"),
        ("no content type", lambda c: c.post("/api/v1/returns", content=sealed), 415, "content-type"),
        ("a JSON content type", lambda c: c.post("/api/v1/returns", content=sealed, headers={"content-type": "application/json"}), 415, "content-type"),
        ("a form", lambda c: c.post("/api/v1/returns", data={"sealed": "x"}), 415, "content-type"),
        ("empty", lambda c: c.post("/api/v1/returns", content=b"", headers=body), 400, "empty"),
        ("junk", lambda c: c.post("/api/v1/returns", content=b"\x00\xff junk", headers=body), 400, "envelope-json"),
        ("JSON, not an envelope", lambda c: c.post("/api/v1/returns", content=b'{"a": 1}', headers=body), 400, "envelope-schema"),
        ("a clear return", lambda c: c.post("/api/v1/returns", content=world.clear("unite-test"), headers=body), 400, "not-sealed"),
        ("another body's key", lambda c: c.post("/api/v1/returns", content=world.sealed("unite-test", signer=world.body_keys["plp-ballot"]), headers=body), 422, "key-id"),
        ("a tampered envelope", lambda c: c.post("/api/v1/returns", content=bytes(tampered), headers=body), 422, "envelope-signature"),
        ("a GET on the upload", lambda c: c.get("/api/v1/returns"), 405, "method"),
        ("status without a session", lambda c: c.get("/api/v1/status"), 401, "session"),
        ("status with a forged session", lambda c: c.get("/api/v1/status", headers={"cookie": "college_session=forged"}), 401, "session"),
        ("a decision without a session or CSRF token", lambda c: c.post("/committee/decisions", data={"kind": "proceed"}), 403, "csrf"),
        ("a decision's signature without a session", lambda c: c.post(f"/committee/decisions/{'0' * 64}/sign", headers={"cookie": "college_csrf=x", "x-csrf-token": "x"}), 401, "session"),
        ("a contribution without a session", lambda c: c.post("/committee/contribution", data={"csrf": "x"}, headers={"cookie": "college_csrf=x"}), 401, "session"),
        ("a passkey request without its CSRF header", lambda c: c.post("/committee/sign-in/options"), 403, "csrf"),
        ("the dashboard's JSON without a session", lambda c: c.get("/committee/declaration", headers={"accept": "application/json"}), 401, "session"),
    ] + [
        (f"hash {trick!r}", lambda c, t=trick: c.get(f"/api/v1/receipts/{t}"), status, rule)
        for trick, status, rule in [
            ("..%2F..%2F..%2Fetc%2Fpasswd", 404, "route"),
            ("%2e%2e", 400, "hash"),
            ("..", 404, "route"),
            ("A" * 64, 400, "hash"),
            ("0" * 63, 400, "hash"),
            ("0" * 65, 400, "hash"),
            ("0" * 63 + "g", 400, "hash"),
            ("%00" + "0" * 61, 400, "hash"),
            ("0" * 64 + "%2F..", 404, "route"),
            ("receipts%2F" + "0" * 64, 404, "route"),
        ]
    ] + [
        ("a submission page for a path trick", lambda c: c.get("/submissions/..%2F..%2Fledger", headers={"accept": "application/json"}), 404, "route"),
        ("a download by an unknown name", lambda c: c.get("/results/..%2Fcontest.toml", headers={"accept": "application/json"}), 404, "route"),
        ("a download before the declaration", lambda c: c.get("/results/declaration.json", headers={"accept": "application/json"}), 404, "embargo"),
    ]


def test_hostile_clients_get_a_clear_4xx_and_disturb_nothing(served, accepted):
    world, server = served
    before = _stored(server)
    # Pages answer a browser with a page; asked for JSON, the same {error, rule}.
    with httpx.Client(base_url=server.url, timeout=30, headers={"accept": "application/json"}) as client:
        for what, send, status, rule in _hostile(world, server):
            answer = send(client)
            assert answer.status_code == status, (what, answer.status_code, answer.text)
            assert answer.json()["rule"] == rule, (what, answer.text)
            assert answer.json()["error"], what
    assert _stored(server) == before  # nothing stored, nothing changed
    data, acknowledged, receipt = accepted
    assert httpx.get(acknowledged["receipt_url"]).content == receipt


def test_a_thousand_junk_uploads_store_nothing(served, accepted):
    world, server = served
    before = _stored(server)
    sealed = world.sealed("members-ballot")
    statuses = set()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for n in range(1000):
            junk = [
                n.to_bytes(4, "big") * (n % 50 + 1),  # binary junk
                json.dumps({"format": "college-return-envelope/1", "n": n}).encode(),  # an envelope's shape, not its fields
                sealed[: len(sealed) - 1 - n % 40],  # a sealed return cut short
                sealed.replace(b'"members-ballot"', b'"nobody-%d"' % n, 1),  # an unregistered body
            ][n % 4]
            answer = client.post("/api/v1/returns", content=junk, headers={"content-type": "application/octet-stream"})
            statuses.add(answer.status_code)
            assert 400 <= answer.status_code < 500 and answer.json()["rule"], (n, answer.text)
    assert statuses <= {400, 422}
    assert _stored(server) == before
    assert Ledger(LocalStore(server.store)).verify() == []


def test_security_headers_and_cookies(served):
    _, server = served
    answer = httpx.get(f"{server.url}/upload")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert "server" not in answer.headers


def test_rate_limits_count_per_client_and_kind():
    limiter = RateLimiter()
    assert all(limiter.allow("10.0.0.1", "upload", 3) for _ in range(3))
    assert not limiter.allow("10.0.0.1", "upload", 3)
    assert limiter.allow("10.0.0.2", "upload", 3) and limiter.allow("10.0.0.1", "request", 3)


def test_a_client_over_the_limit_hears_429():
    """The guard in front of the service, around a stand-in application: the third upload in a minute is refused."""
    import asyncio

    from college.service.security import Guard, Limits

    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send_three():
        transport = httpx.ASGITransport(app=Guard(ok, Limits(upload_bytes=10, uploads_per_minute=2, requests_per_minute=100)))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = [await client.post("/api/v1/returns", content=b"x") for _ in range(3)]
            answers.append(await client.get("/"))  # other requests are counted apart
            return answers

    answers = asyncio.run(send_three())
    assert [a.status_code for a in answers] == [202, 202, 429, 202]
    assert answers[2].json()["rule"] == "rate-limit" and answers[2].headers["retry-after"] == "60"
    assert "content-security-policy" in answers[2].headers


def test_college_submit_to_the_service_waits_for_the_receipt(served, tmp_path):
    from typer.testing import CliRunner

    from college.cli import app

    world, server = served
    sealed = tmp_path / "members.sealed"
    sealed.write_bytes(world.sealed("members-ballot"))
    result = CliRunner().invoke(app, ["submit", str(sealed), "--to", server.url, "--wait", "90"])
    assert result.exit_code == 0, result.output
    assert "outcome: accepted" in result.output
    refused = tmp_path / "clear.json"
    refused.write_bytes(world.clear("members-ballot"))
    result = CliRunner().invoke(app, ["submit", str(refused), "--to", server.url])
    assert result.exit_code == 2
    assert "refused (400)" in result.output and "[not-sealed]" in result.output


def test_a_scrutineer_uploads_and_checks_a_receipt_in_a_browser(served, browser, tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    world, server = served
    sealed = tmp_path / "affiliate.sealed"
    sealed.write_bytes(world.sealed("unite-test"))
    browser.get(f"{server.url}/upload")
    browser.find_element("tag name", "body").send_keys(Keys.TAB)  # keyboard users meet the skip link first
    assert browser.switch_to.active_element.text == "Skip to the content"
    browser.find_element("id", "sealed").send_keys(str(sealed))
    click_through(browser, "upload")
    # The outcome page refreshes itself (no script) until the receipt is issued.
    wait = WebDriverWait(browser, 90, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_element("id", "outcome").text == "accepted")
    assert browser.find_element("id", "sha256").text == hashlib.sha256(sealed.read_bytes()).hexdigest()
    assert "signature verifies" in browser.find_element("id", "verdict").text
    _screenshot(browser, "service-scrutineer-outcome.png")

    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(httpx.get(browser.find_element("id", "download").get_attribute("href")).content)
    browser.get(f"{server.url}/check")
    browser.find_element("id", "receipt").send_keys(str(receipt))
    click_through(browser, "check")
    assert browser.find_element("id", "outcome").text == "accepted"
    assert "signature verifies" in browser.find_element("id", "verdict").text
    _screenshot(browser, "service-scrutineer-receipt-check.png")

    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(receipt.read_bytes().replace(b'"accepted"', b'"rejected"'))
    browser.get(f"{server.url}/check")
    browser.find_element("id", "receipt").send_keys(str(tampered))
    click_through(browser, "check")
    assert "does not verify" in browser.find_element("id", "verdict").text
