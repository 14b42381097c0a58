"""What every route of the service shares: the service itself, the signed-in session, the CSRF
token of a form, the page renderer and `Problem`, an answer with a rule.

The routers (api, pages, committee, decisions) import these from here, and the application
(app.py) imports the routers, so no module of the service imports the one that imports it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from college.service.security import CSRF_COOKIE, SESSION_COOKIE, Session
from college.service.state import Service

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes HTML


class Problem(Exception):
    """An answer with a rule: JSON for the API, a page for a browser."""

    def __init__(self, status: int, error: str, rule: str):
        self.status, self.error, self.rule = status, error, rule


def service(request: Request) -> Service:
    return request.app.state.service


def session(request: Request) -> Session | None:
    return service(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def csrf_token(request: Request) -> str:
    """The token forms carry: the session's, else this browser's double-submit cookie (made on first view)."""
    current = session(request)
    if current is not None:
        return current.csrf
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    current = session(request)
    svc = service(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "contest": svc.contest,
            "member": svc.contest.committee.member(current.member) if current and svc.contest.committee else None,
            "csrf": csrf_token(request),
            "is_declared": svc.declaration_recorded(),
            "committee": svc.config.committee,
            **context,
        },
        status_code=status,
    )
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, secure=True, samesite="strict", path="/")
    return response
