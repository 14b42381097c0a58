"""The API (a contract: checks outside the test suite drive these paths and answers).

- `POST /api/v1/returns`: the sealed return's bytes; 202 with {sha256, received_at, receipt_url}
  once kept, or a 4xx {error, rule} and nothing stored.
- `GET /api/v1/receipts/{sha256}`: 200 with the signed receipt once ingest has decided, 202 while
  pending, 404 for bytes never received.
- `GET /api/v1/status`: every body's procedural state, for signed-in committee members only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from college.ingest import Status, status
from college.events import COUNTED
from college.procedure import open_ties
from college.inbox import Admitted, Refused, admit, check_hash, receipt, standing
from college.service.web import Problem, service, session

router = APIRouter(prefix="/api/v1")
OCTET_STREAM = "application/octet-stream"


class Acknowledgement(BaseModel):
    sha256: str
    received_at: datetime
    receipt_url: str


class ErrorAnswer(BaseModel):
    error: str
    rule: str


class Pending(BaseModel):
    sha256: str
    state: Literal["pending"] = "pending"
    receipt_url: str


class CountState(BaseModel):
    state: Literal["not started", "running", "paused on a referred tie", "sealed", "declared"]
    problem: str | None = None


class CommitteeStatus(BaseModel):
    """Procedure only: where every body stands, the ledger's head and whether it verifies, the count's state."""

    status: Status
    ledger_head: str | None
    ledger_entries: int
    ledger_verifies: bool
    count: CountState


ERRORS = {status: {"model": ErrorAnswer} for status in (400, 401, 403, 404, 413, 415, 422, 429)}


def receipt_url(request: Request, sha: str) -> str:
    return str(request.url_for("get_receipt", sha256=sha))


async def read_upload(request: Request, data: bytes) -> Admitted:
    """Check and keep an upload; Problem (a 4xx with the rule) for anything the inbox refuses."""
    svc = service(request)
    try:
        admitted = await run_in_threadpool(admit, svc.store, svc.contest, data)
    except Refused as refused:
        raise Problem(400 if refused.malformed else 422, str(refused), refused.rule) from None
    svc.ingest.arrived(admitted.inbox_key, admitted.sha256)
    return admitted


@router.post(
    "/returns",
    status_code=202,
    response_model=Acknowledgement,
    tags=["returns"],
    responses=ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def upload_return(request: Request) -> Acknowledgement:
    """Upload a sealed return: the `.sealed` file's bytes, as `application/octet-stream`.

    Before anything is stored the service checks that the body is a sealed envelope within the
    size limit whose outer signature verifies with the key registered for the body it names.
    Then the bytes go write-once into the inbox and ingest decides on them; the receipt follows
    at `receipt_url`. Otherwise: 400 (not an envelope: `rule` says why), 413 (too large), 415 (not
    `application/octet-stream`), 422 (an envelope that fails provenance: other contest,
    unregistered body or key, bad signature); nothing is stored. The same bytes again answer with
    the same `sha256`."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != OCTET_STREAM:
        raise Problem(415, f"send the sealed return's bytes as {OCTET_STREAM}", "content-type")
    admitted = await read_upload(request, await request.body())
    return Acknowledgement(sha256=admitted.sha256, received_at=admitted.received_at, receipt_url=receipt_url(request, admitted.sha256))


@router.get(
    "/receipts/{sha256}",
    name="get_receipt",
    tags=["returns"],
    responses={200: {"description": "the signed receipt (college-receipt/1)"}, 202: {"model": Pending}, **ERRORS},
)
async def get_receipt(request: Request, sha256: str) -> Response:
    """The signed receipt for the bytes with this SHA-256: 200 once ingest has decided, 202 while
    pending, 404 for bytes never received, 400 for anything that is not a SHA-256."""
    svc = service(request)
    try:
        check_hash(sha256)
        found = await run_in_threadpool(receipt, svc.store, sha256)
        state = "decided" if found is not None else await run_in_threadpool(standing, svc.store, svc.ledger, sha256)
    except Refused as refused:
        raise Problem(400, str(refused), refused.rule) from None
    if found is not None:
        return Response(found, media_type="application/json")
    if state == "pending":
        return Response(Pending(sha256=sha256, receipt_url=receipt_url(request, sha256)).model_dump_json(),
                        status_code=202, media_type="application/json")
    raise Problem(404, "no submission with this SHA-256 was ever received", "not-received")


def count_state(request: Request) -> CountState:
    svc = service(request)
    events = {e.event for e in svc.entries()}
    problem = svc.declaration.problem or svc.count.problem
    if svc.declared() is not None:
        return CountState(state="declared")
    if COUNTED in events:
        return CountState(state="sealed", problem=problem)
    if open_ties(svc.entries()):
        return CountState(state="paused on a referred tie", problem=problem)
    return CountState(state="running" if svc.count.running else "not started", problem=problem)


def committee_status(request: Request) -> CommitteeStatus:
    svc = service(request)
    entries = svc.entries()
    return CommitteeStatus(
        status=status(svc.contest, entries),
        ledger_head=entries[-1].hash if entries else None,
        ledger_entries=len(entries),
        ledger_verifies=svc.ledger_problems() == 0,
        count=count_state(request),
    )


@router.get("/status", response_model=CommitteeStatus, tags=["committee"], responses=ERRORS)
async def get_status(request: Request) -> CommitteeStatus:
    """Every returning body's procedural state (received, accepted, rejected and why, late,
    admitted, missing), the ledger's head and whether it verifies, and the count's state.
    No figure. For a signed-in member of the Procedures Committee only (401 otherwise)."""
    if session(request) is None:
        raise Problem(401, "sign in as a member of the Procedures Committee", "session")
    return await run_in_threadpool(committee_status, request)
