"""The tellers' page of a selection meeting (seed 000 I.iv), for a tablet at the tellers' table.

Served by `college meeting serve --record URI`: one meeting record, one page. Anyone in the
room may read where the ballot stands (the tallies are read out to the meeting); only the
tellers enter a round. They sign in with the link the operator's terminal prints, which holds
a random token made at start: a meeting has no accounts and no passkeys, and the link is
worth nothing once the service stops. Every entry goes through the same rules and the same
record as `college meeting round` (college.meeting.record); a refused tally is shown with its
rule and nothing is recorded. Forms carry a CSRF token; the limits and security headers are
the count's service's own.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from college.errors import CollegeError, from_validation_error
from college.meeting.ballot import PAPER_NAMES, PART_NAMES, Tally
from college.meeting.record import enter_round, load_record
from college.meeting.sheet import render_sheets
from college.service.security import SESSION_COOKIE, Guard, Limits, Sessions, same
from college.store import Store

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
TELLER = "teller"
MAX_FIELDS = 60  # returned, spoilt, blank, the token and a vote for each nominee on a paper


def create_tellers_app(store: Store, token: str) -> FastAPI:
    """The tellers' page for the meeting kept in `store`; `token` is what the sign-in link carries."""
    load_record(store)  # refuse at once a record that holds no meeting
    sessions = Sessions()
    app = FastAPI(title="college: selection meeting", docs_url=None, redoc_url=None, openapi_url=None)

    def teller(request: Request):
        return sessions.get(request.cookies.get(SESSION_COOKIE))

    def page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        meeting, _ = load_record(store)
        played = [(ballot, r) for ballot in meeting.ballots for r in ballot.rounds]
        current = teller(request)
        return templates.TemplateResponse(
            request,
            "meeting.html",
            {
                "meeting": meeting,
                "played": played,
                "parts": PART_NAMES,
                "papers": PAPER_NAMES,
                "teller": current,
                "csrf": current.csrf if current else None,
                "error": error,
                "by_votes": lambda played: sorted(played.paper.among, key=lambda name: (-played.tally.votes[name], name)),
            },
            status_code=status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return HTMLResponse(f"<!doctype html><title>{error.status_code}</title><p>{error.status_code}: not here.</p>",
                            status_code=error.status_code)

    @app.get("/", name="meeting")
    async def show(request: Request):
        return await run_in_threadpool(page, request)

    @app.get("/sign-in")
    async def sign_in(request: Request, token: str = ""):
        if not same(token, app.state.token):
            return HTMLResponse("<!doctype html><title>Not signed in</title><p>This sign-in link is not valid: ask for the "
                                "link the service printed when it started.</p>", status_code=403)
        response = RedirectResponse(request.url_for("meeting"), status_code=303)
        response.set_cookie(SESSION_COOKIE, sessions.start(TELLER), httponly=True, secure=True, samesite="strict", path="/")
        return response

    @app.post("/round")
    async def round_(request: Request):
        current = teller(request)
        if current is None:
            return await run_in_threadpool(page, request, 401, "sign in with the tellers' link to enter a round")
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        if not same(form.get("csrf"), current.csrf):
            return await run_in_threadpool(page, request, 403, "the form's security token is missing or stale: reload the page")
        try:
            tally = _tally(form)
            await run_in_threadpool(enter_round, store, tally)
        except CollegeError as error:
            return await run_in_threadpool(page, request, 400, str(error))
        return RedirectResponse(request.url_for("meeting"), status_code=303)

    @app.get("/sheets.pdf")
    async def sheets(request: Request):
        meeting, _ = await run_in_threadpool(load_record, store)
        data = await run_in_threadpool(render_sheets, meeting)
        return Response(data, media_type="application/pdf", headers={"content-disposition": 'attachment; filename="round-sheets.pdf"'})

    app.state.token = token
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, limits=Limits(upload_bytes=0, uploads_per_minute=0, requests_per_minute=600))
    return app


def _tally(form) -> Tally:
    """The round's tally from the form: each count a whole number, votes keyed by nominee."""

    def number(field: str, value) -> int:
        text = (value or "0").strip() if isinstance(value, str) else ""
        if not (text.isascii() and text.isdigit()) or len(text) > 7:  # str.isdigit() also takes "²", which int() refuses
            raise CollegeError("enter a whole number of 0 or more", field=field)
        return int(text)

    votes = {key[len("votes:"):]: number(key, value) for key, value in form.multi_items() if key.startswith("votes:")}
    try:
        return Tally(
            returned=number("returned", form.get("returned")),
            spoilt=number("spoilt", form.get("spoilt")),
            blank=number("blank", form.get("blank")),
            votes=votes,
        )
    except ValidationError as error:
        raise from_validation_error(error, file="the round's form") from None


def new_token() -> str:
    return secrets.token_urlsafe(32)
