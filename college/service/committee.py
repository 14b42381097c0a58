"""Pages of the Procedures Committee: passkey sign-in, the live dashboard, decisions, the declaration.

Every action is taken by the signed-in member and recorded in the ledger with them. Every
form carries the session's CSRF token; the passkey requests carry it in a header.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from college import strict_json
from college.ceremony import Contribution, verify_contribution
from college.contest import Member
from college.errors import CollegeError
from college.events import ADMITTED, CONTRIBUTION, COUNT_STARTED, COUNTED
from college.procedure import counting_returns, open_ties
from college.service.api import committee_status
from college.service.web import Problem, render, service, session
from college.service.pages import check_form, uploaded
from college.service.security import CSRF_COOKIE, SESSION_COOKIE, same
from college.service.work import run_count, run_declaration

router = APIRouter(prefix="/committee", include_in_schema=False)


def member_of(request: Request) -> Member:
    """The signed-in member, or 401."""
    current = session(request)
    committee = service(request).contest.committee
    if current is None or committee is None:
        raise Problem(401, "sign in with your passkey first (/committee/sign-in)", "session")
    return committee.member(current.member)


async def _acting(request: Request):
    """(the form, the signed-in member, the service) for a committee action: CSRF first, then the session."""
    form = await check_form(request)
    return form, member_of(request), service(request)


def _browser(request: Request) -> str:
    """This browser's CSRF cookie, which the passkey request must also carry in its header."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not same(request.headers.get("x-csrf-token"), cookie):
        raise Problem(403, "the request's security token is missing or stale: reload the page", "csrf")
    return cookie


def _passkeys(request: Request):
    svc = service(request)
    if svc.contest.committee is None:
        raise Problem(404, "this contest names no Procedures Committee", "committee")
    return svc.passkeys


async def _answered(request: Request, step, *args):
    """What a passkey step makes of the browser's answer (its JSON); 4xx otherwise."""
    browser = _browser(request)
    try:
        credential = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "the browser's answer is not JSON", "credential") from None
    try:
        return await run_in_threadpool(step, browser, *args, credential)
    except CollegeError as error:
        raise _refused(error) from None


def _refused(error: CollegeError) -> Problem:
    return Problem(422, str(error), error.field or "rule")


# --- enrolment and sign-in -------------------------------------------------------------------


@router.get("/enrol")
async def enrol_page(request: Request):
    _passkeys(request)
    return render(request, "committee/enrol.html")


@router.post("/enrol/options")
async def enrol_options(request: Request):
    browser = _browser(request)
    form = await request.form(max_files=0, max_fields=5)
    try:
        options = _passkeys(request).enrolment_options(browser, str(form.get("member") or ""))
    except CollegeError as error:
        raise _refused(error) from None
    return _json(options)


@router.post("/enrol")
async def enrol(request: Request):
    """The browser's new passkey, held until its member binds it (the next page)."""
    made = await _answered(request, _passkeys(request).create)
    return JSONResponse({"fingerprint": made, "next": str(request.url_for("bind_page"))})


@router.get("/enrol/bind", name="bind_page")
async def bind_page(request: Request):
    unbound = _passkeys(request).unbound(request.cookies.get(CSRF_COOKIE, ""))
    if unbound is None:
        raise Problem(409, "this browser has made no passkey to bind: start at /committee/enrol", "passkey")
    return render(request, "committee/bind.html", owner=unbound[0], fingerprint=unbound[1])


@router.post("/enrol/bind")
async def bind(request: Request):
    form = await check_form(request)
    try:
        await run_in_threadpool(_passkeys(request).bind, request.cookies.get(CSRF_COOKIE, ""), str(form.get("token") or ""))
    except CollegeError as error:
        raise _refused(error) from None
    return RedirectResponse(request.url_for("sign_in_page"), status_code=303)


@router.get("/sign-in", name="sign_in_page")
async def sign_in_page(request: Request):
    _passkeys(request)
    return render(request, "committee/sign-in.html")


@router.post("/sign-in/options")
async def sign_in_options(request: Request):
    return _json(_passkeys(request).sign_in_options(_browser(request)))


@router.post("/sign-in")
async def sign_in(request: Request):
    member = await _answered(request, _passkeys(request).sign_in)
    svc = service(request)
    svc.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"member": member.id, "next": str(request.url_for("dashboard"))})
    response.set_cookie(SESSION_COOKIE, svc.sessions.start(member.id), httponly=True, secure=True,
                        samesite="strict", path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request):
    await check_form(request)
    service(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(request.url_for("home"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


# --- the dashboard and the decisions ----------------------------------------------------------


@router.get("", name="dashboard")
async def dashboard(request: Request):
    if session(request) is None:
        return RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    member = member_of(request)
    svc = service(request)
    report = await run_in_threadpool(committee_status, request)
    entries = svc.entries()
    actions = [e for e in entries if "member" in e.ids or "decided-by" in e.ids or e.event in (ADMITTED, "decision")]
    return render(
        request, "committee/dashboard.html", member=member, report=report, ties=open_ties(entries),
        refresh_seconds=svc.config.dashboard_refresh,
        actions=actions[-15:], contributions=sorted(svc.contributions), quorum=svc.contest.committee.quorum,
        after_deadline=_after_deadline(svc.contest), proposals=svc.proposals, cookie_csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


def _after_deadline(contest) -> bool:
    return contest.returns_deadline is None or datetime.now(UTC) > contest.returns_deadline


def _back(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url_for("dashboard"), status_code=303)


@router.post("/count")
async def start_count(request: Request):
    _, member, svc = await _acting(request)
    try:
        counting_returns(svc.contest, svc.entries(), datetime.now(UTC))  # may the count start? (procedure only)
    except CollegeError as error:
        raise Problem(409, str(error), error.field or "count") from None
    if any(e.event == COUNTED for e in svc.entries()):
        raise Problem(409, "the count has already sealed its result", "count")
    if svc.count.start(run_count, svc.config.contest_file, svc.store.uri, svc.config.ingest):
        svc.ledger.append(COUNT_STARTED, ids={"member": member.id}, reasons=[f"{member.name} started the count"])
    return _back(request)


# --- the declaration ------------------------------------------------------------------------


@router.get("/declaration")
async def declaration_page(request: Request):
    member = member_of(request)
    svc = service(request)
    return render(request, "committee/declaration.html", member=member, contributions=sorted(svc.contributions),
                  quorum=svc.contest.committee.quorum, ceremony=svc.ceremony, sealed=_sealed(request, required=False),
                  declaring=svc.declaration.running, problem=svc.declaration.problem)


def _sealed(request: Request, required: bool = True) -> str | None:
    counted = [e for e in service(request).entries() if e.event == COUNTED]
    if not counted and required:
        raise Problem(409, "the count has not sealed a result yet: nothing to contribute to", "count")
    return counted[-1].object_hash if counted else None


@router.post("/contribution")
async def contribution(request: Request):
    """A member hands in their contribution; it is checked at once against the ceremony and the
    sealed result; at the quorum the declaration runs."""
    form, member, svc = await _acting(request)
    if svc.ceremony is None:
        raise Problem(409, "this service was started without the key ceremony's record (--ceremony)", "ceremony")
    sealed = _sealed(request)
    data = await uploaded(form, "contribution", "choose your contribution file (JSON, from `college ceremony contribute`)")
    try:  # duplicate keys refused, as everywhere a contribution is read (issue 15 item 1)
        made = strict_json.parse(Contribution, data, file="contribution")
    except CollegeError:
        raise Problem(422, "not a contribution file (make it with `college ceremony contribute`)", "contribution") from None
    if made.statement.member != member.id:
        raise Problem(403, "a member hands in their own contribution only", "member")
    problems = verify_contribution(svc.ceremony, made, result_hash=sealed)
    if problems:
        raise Problem(422, "; ".join(problems), "contribution")
    svc.ledger.append(
        CONTRIBUTION, ids={"member": member.id, "result": sealed},
        reasons=[f"{member.name} contributed a share to open the result"], once_key=f"{CONTRIBUTION}:{member.id}:{sealed}",
    )
    svc.contributions[member.id] = data
    if len(svc.contributions) >= svc.contest.committee.quorum and not svc.declaration_recorded():
        svc.declaration.start(run_declaration, svc.config.contest_file, svc.config.ceremony_file,
                              dict(svc.contributions), svc.store.uri, svc.config.ingest)
    return RedirectResponse(request.url_for("declaration_page"), status_code=303)
