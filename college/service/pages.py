"""Pages for scrutineers and the public.

Scrutineers: upload a sealed return, see its outcome with the reasons and download the
signed receipt; look up and verify a receipt. The public: before the declaration the
contest, its candidates and its timetable only; after it the result, every download, the
recount bundle, and the check that a body's return was the one counted.

No file is ever found by a name from the request: downloads are looked up in a fixed table.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response

from college.ingest import standings
from college.inbox import Refused, check_hash, receipt, standing
from college.receipts import read_receipt, verify_receipt
from college.errors import CollegeError
from college.timetable import events
from college.reports.tables import statement_text
from college.service.web import Problem, csrf_token, render, service
from college.service.api import read_upload
from college.service.security import REPORT_CSP, same

router = APIRouter(include_in_schema=False)

# Every download, by the name in its URL: (file under the publish folder, media type).
DOWNLOADS = {
    "declaration.json": ("declaration.json", "application/json"),
    "report.html": ("reports/report.html", "text/html"),
    "report.json": ("reports/report.json", "application/json"),
}
DOWNLOAD_TITLES = {
    "report.html": "The report (HTML, self-contained)",
    "report.json": "The report (JSON)",
    "declaration.json": "The declaration (JSON): the result, each section's profile and the procedural record",
    "bundle.zip": "The recount bundle (ZIP): contest file, section profiles and result, to count again with `college verify`",
}


async def check_form(request: Request):
    """The form, once its CSRF token matches this browser's session or cookie (403 otherwise)."""
    form = await request.form(max_files=1, max_fields=20)
    if not same(form.get("csrf"), csrf_token(request)):
        raise Problem(403, "the form's security token is missing or stale: reload the page and send it again", "csrf")
    return form


async def uploaded(form, field: str, missing: str) -> bytes:
    """The bytes of the file a form's `field` carries (400 with `missing` when there is none)."""
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise Problem(400, missing, "file")
    return await upload.read()


@router.get("/")
async def home(request: Request):
    """The contest, its candidates and its timetable (the calendar's dates, what is due and from whom)."""
    contest = service(request).contest
    timetable = events(contest.calendar, contest.position, [body.name for body in contest.register]) if contest.calendar else []
    return render(request, "home.html", timetable=timetable)


@router.get("/upload")
async def upload_page(request: Request):
    return render(request, "upload.html")


@router.post("/upload")
async def upload(request: Request):
    """The upload form (multipart, no JavaScript): the same checks as the API, then the outcome page."""
    form = await check_form(request)
    data = await uploaded(form, "sealed", "choose the sealed return file (.sealed) to upload")
    admitted = await read_upload(request, data)
    return RedirectResponse(request.url_for("submission", sha256=admitted.sha256), status_code=303)


def _check(sha256: str) -> str:
    try:
        return check_hash(sha256)
    except Refused as refused:
        raise Problem(400, str(refused), refused.rule) from None


@router.get("/submissions/{sha256}", name="submission")
async def submission(request: Request, sha256: str):
    """A submission's outcome and reasons, from its receipt; refreshes itself (no script) while pending."""
    svc = service(request)
    _check(sha256)
    data = await run_in_threadpool(receipt, svc.store, sha256)
    if data is None:
        state = await run_in_threadpool(standing, svc.store, svc.ledger, sha256)
        if state == "unknown":
            raise Problem(404, "no submission with this SHA-256 was ever received", "not-received")
        return render(request, "submission.html", sha256=sha256, signed=None)
    return render(request, "submission.html", sha256=sha256, signed=read_receipt(data),
                  **await run_in_threadpool(_verdict, request, data))


def _verdict(request: Request, data: bytes) -> dict:
    """What the receipt check shows: the signature and ledger anchor, and after the declaration whether it counted
    (it reads the store: run it in a thread, not on the event loop)."""
    svc = service(request)
    if svc.receipt_key is None:
        return {"problems": ["this service was not given the receipt key, so it cannot check the signature"], "counted": None}
    problems = verify_receipt(data, svc.receipt_key, svc.ledger, verified=svc.ledger_verification())
    counted = None
    if not problems and svc.declared() is not None:
        signed = read_receipt(data)
        body = standings(svc.contest, svc.entries()).bodies.get(signed.receipt.sender.affiliate or "")
        counted = body is not None and body.counting == signed.receipt.received.sha256
    return {"problems": problems, "counted": counted}


@router.get("/check")
async def check_page(request: Request, sha256: str | None = None):
    """Look up a receipt by its hash (a GET form), or verify a receipt file (the POST form below)."""
    if sha256:
        sha256 = sha256.strip().lower()
        _check(sha256)
        return RedirectResponse(request.url_for("submission", sha256=sha256), status_code=303)
    return render(request, "check.html")


@router.post("/check")
async def check_receipt(request: Request):
    form = await check_form(request)
    data = await uploaded(form, "receipt", "choose the receipt file (JSON) to check")
    try:
        signed = read_receipt(data)
    except CollegeError as error:
        raise Problem(422, f"not a receipt: {error}", "receipt") from None
    return render(request, "receipt.html", signed=signed, **await run_in_threadpool(_verdict, request, data))


# --- after the declaration -------------------------------------------------------------------


@router.get("/results")
async def results(request: Request):
    declaration = await run_in_threadpool(service(request).declared)
    if declaration is None:
        return render(request, "embargo.html")
    return render(
        request, "results.html", declaration=declaration, statement=statement_text(declaration.result),
        downloads=DOWNLOAD_TITLES,
    )


async def _published(request: Request) -> Path:
    if await run_in_threadpool(service(request).declared) is None:
        raise Problem(404, "nothing is published before the declaration", "embargo")
    return service(request).published


@router.get("/results/bundle.zip")
async def bundle(request: Request):
    folder = await _published(request) / "bundle"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zipped.write(path, path.relative_to(folder).as_posix())
    return Response(archive.getvalue(), media_type="application/zip",
                    headers={"content-disposition": 'attachment; filename="recount-bundle.zip"'})


@router.get("/results/{name}")
async def download(request: Request, name: str):
    if name not in DOWNLOADS:
        raise Problem(404, "no such download", "route")
    relative, media = DOWNLOADS[name]
    path = await _published(request) / relative
    headers = {"content-security-policy": REPORT_CSP} if media == "text/html" else {}
    return FileResponse(path, media_type=media, headers=headers)
