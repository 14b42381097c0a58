"""The FastAPI application: routes by role, one renderer, errors as clear 4xx answers.

Every answer of the API is JSON; every error of the API is `{"error", "rule"}` with a 4xx
status (never a traceback, never a 500 for anything a client sends). Pages are rendered on
the server (Jinja2) and work without JavaScript; only passkey sign-in needs the small
script the service serves itself.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from college.service.security import Guard
from college.service.state import Config, Service
from college.service.web import Problem, render
from college.store import StoreRefused

HERE = Path(__file__).parent
log = logging.getLogger("college.service")

DESCRIPTION = """The count's web service (issue 16).

* **Scrutineers** upload a sealed return (`POST /api/v1/returns`, the `.sealed` file's bytes as
  `application/octet-stream`) and fetch its signed receipt (`GET /api/v1/receipts/{sha256}`).
  The upload is authenticated by its signature: no account is needed.
* **The Procedures Committee** signs in with passkeys; `GET /api/v1/status` is theirs.
* Every error is a 4xx with `{"error": "...", "rule": "..."}`. Nothing of a result is shown before the declaration.
"""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _wants_json(request: Request) -> bool:
    """The API, a client asking for JSON, and passkey.js, whose fetches carry the CSRF header with the
    browser's Accept (*/*) and read the answer as JSON to show the member the service's error."""
    return (_is_api(request) or request.headers.get("accept", "").startswith("application/json")
            or "x-csrf-token" in request.headers)


def create_app(config: Config) -> FastAPI:
    svc = Service(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        svc.start()
        yield
        svc.stop()

    app = FastAPI(
        title=f"college: {svc.contest.id}",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        redoc_url=None,
        openapi_tags=[
            {"name": "returns", "description": "Scrutineers: upload a sealed return, fetch its receipt."},
            {"name": "committee", "description": "The Procedures Committee, signed in with a passkey."},
        ],
    )
    app.state.service = svc

    @app.exception_handler(Problem)
    async def problem(request: Request, error: Problem):
        if _wants_json(request):
            return JSONResponse({"error": error.error, "rule": error.rule}, status_code=error.status)
        return render(request, "error.html", error.status, error=error.error, rule=error.rule)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        rule = {404: "route", 405: "method"}.get(error.status_code, "http")
        message = {404: "no such page or resource", 405: "this method is not allowed here"}.get(error.status_code, str(error.detail))
        return await problem(request, Problem(error.status_code, message, rule))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        where = ".".join(str(p) for p in (error.errors()[0].get("loc") or ())) if error.errors() else "request"
        return await problem(request, Problem(400, f"{where}: not a valid value", "request"))

    @app.exception_handler(StoreRefused)
    async def store_refused(request: Request, error: StoreRefused):
        log.error("the store refused a write or read on %s", request.url.path)  # S3's answer is the operator's, in its log
        return await problem(request, Problem(
            503, "the store would not do this: this service's credentials may not write there, or the store is "
                 "unavailable (docs/roles/deploying.md, the bucket's policies)", "store"))

    @app.exception_handler(Exception)
    async def defect(request: Request, error: Exception):
        log.error("unexpected %s on %s", type(error).__name__, request.url.path)  # never the error's text
        return JSONResponse({"error": "the service could not answer this request; please report it", "rule": "internal"},
                            status_code=500)

    from college.service import api, committee, decisions, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    if config.committee:  # a public door run with the service's keys leaves these to the committee's own instance
        app.include_router(committee.router)
        app.include_router(decisions.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, limits=config.limits)
    return app


class Background:
    """The service in a thread of this process (the dry run's): `url` to open, `stop()` to end it."""

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 0):
        """Serve `config` on `port` (0: any free port); uvicorn leaves signals to the main thread."""
        import threading

        import uvicorn

        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="college-service", daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the service did not start")
            self.thread.join(0.05)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=120)
