"""A contest served by a real `college serve` (uvicorn) on a free localhost port, and the clients that use it.

The world: one returning body per section (PLP, members, an affiliate), each with its key;
the Procedures Committee of seed 003 with its keys and key ceremony; returns whose figures
are sentinels (seven-digit numbers found nowhere else) and which tie two candidates for
lowest in round 1, so the count refers the tie to the committee. The server is a
subprocess started and stopped by its own pid; its Prefect flows use the test session's
Prefect server (so no server of its own starts in it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import httpx
import tomlkit
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.ceremony import Ceremony, MemberKeys, contribute, key_ceremony, open_share
from college.contest import Contest
from college.dry_run.rehearsal import dry_run_committee
from college.enrolment import enrolment_token
from college.returns import seal_payload, signed_payload
from college.signing import private_text, public_text
from tests.helpers import return_document

CANDIDATES = ["Ann Example", "Bob Example", "Zebedee Sentinelworth"]
# Round 1: Ann and Bob tie for lowest (the committee decides); Bob's papers then go to Ann, who wins.
ROWS = [
    (["Zebedee Sentinelworth", "Ann Example"], 4_821_379),
    (["Ann Example", "Zebedee Sentinelworth"], 3_190_753),
    (["Bob Example", "Ann Example"], 3_190_753),
]
SPOILT, OTHER_INVALID = 1_733_591, 2_647_181
SENTINELS = ["4821379", "3190753", "6381506", "1733591", "2647181", "4,821,379", "3,190,753"]
BODIES = [("plp-ballot", "plp", "party_ballot"), ("members-ballot", "members", "party_ballot"), ("unite-test", "affiliates", "trade_union")]
CERTIFIED = 20_000_000


@dataclass
class World:
    folder: Path
    contest: Contest
    contest_file: Path
    ceremony_file: Path
    ceremony: Ceremony
    body_keys: dict[str, Ed25519PrivateKey]
    count_key: X25519PrivateKey
    receipt_key: Ed25519PrivateKey
    member_keys: dict[str, MemberKeys]

    def sealed(self, body: str, signer: Ed25519PrivateKey | None = None, **changes) -> bytes:
        registered = next(b for b in self.contest.register if b.id == body)
        made_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        document = return_document(self.contest, registered, ROWS, spoilt=SPOILT, other_invalid=OTHER_INVALID, ineligible=0, made_at=made_at)
        document.update(changes)
        key = signer or self.body_keys[body]
        return seal_payload(signed_payload(document, key), key, public_text(self.count_key), contest=self.contest.id, affiliate=body)

    def clear(self, body: str) -> bytes:
        """A return signed but not sealed: what a scrutineer must never send."""
        registered = next(b for b in self.contest.register if b.id == body)
        document = return_document(self.contest, registered, ROWS, spoilt=SPOILT, other_invalid=OTHER_INVALID, ineligible=0,
                                   made_at=datetime.now(UTC).isoformat())
        return signed_payload(document, self.body_keys[body])

    def environment(self) -> dict[str, str]:
        return {"COLLEGE_COUNT_KEY": private_text(self.count_key), "COLLEGE_RECEIPT_KEY": private_text(self.receipt_key)}

    def token(self, member: str, passkey: str) -> str:
        """The member's signed statement binding the passkey with this fingerprint (`college committee enrol`)."""
        return enrolment_token(self.contest, member, self.member_keys[member].signing, datetime.now(UTC), secrets.token_hex(16), passkey)

    def contribution(self, member: str, sealed_hash: str) -> bytes:
        keys = self.member_keys[member]
        share = open_share(self.ceremony, member, keys.share)
        made = contribute(self.ceremony, member, share, keys.signing, datetime.now(UTC), result_hash=sealed_hash)
        return made.model_dump_json().encode()


def make_world(folder: Path, deadline: datetime | None) -> World:
    body_keys = {body: Ed25519PrivateKey.generate() for body, _, _ in BODIES}
    count_key = X25519PrivateKey.generate()
    committee, member_keys = dry_run_committee(quorum=3)
    data = {
        "id": "service-test",
        "position": "Leader",
        "candidates": CANDIDATES,
        "tie_policy": ["refer"],
        "sections": [
            {"id": "plp", "name": "PLP and EPLP", "weight": "1/3"},
            {"id": "members", "name": "Individual members", "weight": "1/3"},
            {"id": "affiliates", "name": "Affiliated organisations", "weight": "1/3"},
        ],
        "register": [
            {"id": body, "name": body.replace("-", " ").title(), "kind": kind, "section": section,
             "certified_members": CERTIFIED, "declaration_required": False, "scrutineer": f"Scrutineer of {body}",
             "public_key": public_text(body_keys[body])}
            for body, section, kind in BODIES
        ],
        "count_public_key": public_text(count_key),
        "committee": committee.model_dump(mode="json"),
    }
    if deadline is not None:
        data["returns_deadline"] = deadline
    ceremony = key_ceremony(Contest.model_validate(data), committee, datetime.now(UTC), conducted_by="test")
    data["declaration_public_key"] = ceremony.declaration_public_key
    folder.mkdir(parents=True, exist_ok=True)
    contest_file = folder / "contest.toml"
    contest_file.write_text(tomlkit.dumps(data), encoding="utf-8")
    ceremony_file = folder / "ceremony.json"
    ceremony_file.write_text(ceremony.model_dump_json(), encoding="utf-8")
    return World(folder, Contest.model_validate(data), contest_file, ceremony_file, ceremony, body_keys, count_key,
                 Ed25519PrivateKey.generate(), member_keys)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """`college serve` in its own process; `url` is http://localhost:PORT (the passkeys' origin)."""

    process: subprocess.Popen
    port: int
    log: Path
    store: Path
    publish: Path

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(world: World, *extra: str, environment: dict[str, str] | None = None) -> Server:
    port = free_port()
    store, publish, log = world.folder / "store", world.folder / "published", world.folder / f"serve-{port}.log"
    command = [
        str(Path(sys.executable).parent / "college"), "serve", str(world.contest_file), "--store", str(store), "--port", str(port),
        "--ceremony", str(world.ceremony_file), "--publish", str(publish), *extra,
    ]
    env = os.environ | world.environment() | (environment or {})
    with log.open("wb") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=world.folder)
    server = Server(process, port, log, store, publish)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"college serve exited: {server.output()}")
        try:
            if httpx.get(f"{server.url}/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError("college serve did not answer within 120 s")


def post_return(base: str, data: bytes, content_type: str = "application/octet-stream") -> httpx.Response:
    return httpx.post(f"{base}/api/v1/returns", content=data, headers={"content-type": content_type}, timeout=30)


def wait_for_receipt(base: str, sha: str, timeout: float = 90) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx.get(f"{base}/api/v1/receipts/{sha}", timeout=10)
        if answer.status_code != 202 or time.monotonic() > deadline:
            return answer
        time.sleep(0.3)


# --- a committee member's client without a browser: a software passkey --------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftPasskey:
    """A platform authenticator in software (ES256, "none" attestation), as the WebAuthn spec defines its answers."""

    origin: str
    rp_id: str = "localhost"
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    user: bytes = b""
    counter: int = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict) -> dict:
        self.user = _unb64url(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cose
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x45]) + self.counter.to_bytes(4, "big") + attested
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {
            "id": _b64url(self.credential_id), "rawId": _b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": _b64url(client_data),
                         "attestationObject": _b64url(cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})),
                         "transports": ["internal"]},
            "clientExtensionResults": {}, "authenticatorAttachment": "platform",
        }

    def get(self, options: dict) -> dict:
        self.counter += 1
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x05]) + self.counter.to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": _b64url(self.credential_id), "rawId": _b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": _b64url(client_data), "authenticatorData": _b64url(auth_data),
                         "signature": _b64url(signature), "userHandle": _b64url(self.user)},
            "clientExtensionResults": {}, "authenticatorAttachment": "platform",
        }


class Visitor:
    """An HTTP client that keeps the service's cookies itself (they are Secure, and this is plain http on localhost)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)

    def request(self, method: str, path: str, **options) -> httpx.Response:
        headers = dict(options.pop("headers", {}))
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.client.request(method, path, headers=headers, **options)
        for line in answer.headers.get_list("set-cookie"):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in line.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    def get(self, path: str, **options) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options) -> httpx.Response:
        return self.request("POST", path, **options)

    def csrf(self, page: str = "/") -> str:
        """The token a form on `page` carries."""
        text = self.get(page).text
        marker = 'name="csrf" value="'
        start = text.index(marker) + len(marker)
        return text[start:text.index('"', start)]

    def enrol_and_sign_in(self, world: World, member: str) -> SoftPasskey:
        """Make a passkey, bind it with the member's signed statement, sign in with it."""
        passkey = SoftPasskey(self.base)
        self.get("/committee/enrol")
        header = {"x-csrf-token": self.cookies["college_csrf"]}
        options = self.post("/committee/enrol/options", data={"member": member}, headers=header)
        assert options.status_code == 200, options.text
        made = self.post("/committee/enrol", content=json.dumps(passkey.create(options.json())), headers=header)
        assert made.status_code == 200, made.text
        token = world.token(member, made.json()["fingerprint"])
        bound = self.post("/committee/enrol/bind", data={"csrf": self.csrf("/committee/enrol/bind"), "token": token})
        assert bound.status_code == 303, bound.text
        self.sign_in(passkey)
        return passkey

    def sign_decisions(self, passkey: SoftPasskey) -> int:
        """Sign with the passkey every decision the dashboard offers this member to sign; returns how many."""
        signed = 0
        for path in re.findall(r'action="[^"]*?(/committee/decisions/[0-9a-f]{64}/sign)"', self.get("/committee").text):
            header = {"x-csrf-token": self.cookies["college_csrf"]}
            options = self.post(path.replace("/sign", "/options"), headers=header)
            assert options.status_code == 200, options.text
            answer = self.post(path, content=json.dumps(passkey.get(options.json())), headers=header)
            assert answer.status_code == 200, answer.text
            signed += 1
        return signed

    def sign_in(self, passkey: SoftPasskey) -> httpx.Response:
        header = {"x-csrf-token": self.cookies["college_csrf"]}
        options = self.post("/committee/sign-in/options", headers=header)
        answer = self.post("/committee/sign-in", content=json.dumps(passkey.get(options.json())), headers=header)
        assert answer.status_code == 200, answer.text
        return answer


def click_through(browser, element_id: str) -> None:
    """Click, then wait for the page the form or link leads to."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    element = browser.find_element("id", element_id)
    element.click()
    WebDriverWait(browser, 60).until(expected_conditions.staleness_of(element))
