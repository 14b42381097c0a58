"""What every request passes through: body size limits, per-client rate limits, security headers,
and the session and CSRF checks the committee's pages use.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware), so an oversize body is cut off
while it streams in, before any handler reads it.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The report is one self-contained page: inline CSS and SVG, no script at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'"
# FastAPI's interactive API page loads Swagger UI from its CDN; everything else stays 'self'.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
}
UPLOAD_PATHS = frozenset({"/api/v1/returns", "/upload"})
FORM_LIMIT = 256 * 1024  # a contribution, a passkey's answer, a form: a few kilobytes


@dataclass
class Limits:
    upload_bytes: int
    uploads_per_minute: int
    requests_per_minute: int


class TooLarge(Exception):
    pass


class RateLimiter:
    """Fixed one-minute windows per (client, kind): enough to stop one client flooding the service."""

    def __init__(self):
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, kind: str, per_minute: int) -> bool:
        window = int(time.monotonic() // 60)
        with self._lock:
            if len(self._windows) > 100_000:  # many clients: forget the old windows
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, used = self._windows.get((client, kind), (window, 0))
            if start != window:
                start, used = window, 0
            if used >= per_minute:
                return False
            self._windows[(client, kind)] = (start, used + 1)
            return True


def _json(status: int, error: str, rule: str, extra: list[tuple[bytes, bytes]] = ()) -> tuple[dict, bytes]:
    body = json.dumps({"error": error, "rule": rule}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    return {"type": "http.response.start", "status": status, "headers": headers}, body


class Guard:
    """Size and rate limits on the way in, security headers on the way out."""

    def __init__(self, app, limits: Limits):
        self.app = app
        self.limits = limits
        self.rates = RateLimiter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        upload = scope["method"] == "POST" and path in UPLOAD_PATHS
        limit = self.limits.upload_bytes if upload else FORM_LIMIT
        client = (scope.get("client") or ("unknown", 0))[0]
        kind, per_minute = ("upload", self.limits.uploads_per_minute) if upload else ("request", self.limits.requests_per_minute)
        if not self.rates.allow(client, kind, per_minute):
            return await _answer(send, path, *_json(429, "too many requests from this client: wait a minute", "rate-limit",
                                              [(b"retry-after", b"60")]))
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _answer(send, path, *_too_large(limit))

        received = 0
        too_large = False  # set when the body outgrows the limit, whoever then catches the error

        async def limited_receive():
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise TooLarge
            return message

        started = False

        async def with_headers(message):
            nonlocal started
            if too_large:  # whatever the app answers to a cut-off body, the client hears 413
                if not started:
                    started = True
                    start, body = _too_large(limit)
                    await send(_secured(start, path))
                    await send({"type": "http.response.body", "body": body})
                return
            if message["type"] == "http.response.start":
                started = True
                message = _secured(message, path)
            await send(message)

        try:
            await self.app(scope, limited_receive, with_headers)
        except TooLarge:
            await with_headers({"type": "http.response.start"})


def _secured(message: dict, path: str) -> dict:
    """The security headers added to a response's start, keeping a stricter policy a route set itself."""
    headers = list(message.get("headers", []))
    present = {k.lower() for k, _ in headers}
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", (DOCS_CSP if path.startswith("/docs") else CSP).encode()))
    headers += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
    if b"cache-control" not in present:
        headers.append((b"cache-control", b"no-store"))
    return dict(message, headers=headers)


def _too_large(limit: int) -> tuple[dict, bytes]:
    return _json(413, f"the request body is larger than this service accepts ({limit} bytes)", "size")


async def _answer(send, path: str, start: dict, body: bytes) -> None:
    await send(_secured(start, path))
    await send({"type": "http.response.body", "body": body})


# --- sessions and CSRF ---------------------------------------------------------------------

SESSION_COOKIE = "college_session"
CSRF_COOKIE = "college_csrf"
SESSION_HOURS = 12  # the night of the count


@dataclass
class Session:
    member: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.monotonic)


class Sessions:
    """Server-side sessions: the cookie holds only a random token. A restart signs everyone out."""

    def __init__(self):
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, member: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = Session(member)
        return token

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is not None and time.monotonic() - session.started > SESSION_HOURS * 3600:
                del self._sessions[token]
                return None
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def same(a: str | None, b: str | None) -> bool:
    """Whether two tokens match, in constant time; any text a client sends compares (compare_digest
    refuses non-ASCII str, so both are compared as UTF-8 bytes, surrogates escaped)."""
    if not (isinstance(a, str) and isinstance(b, str) and a and b):
        return False
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))
