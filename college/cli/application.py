"""The `college` application and what every command shares: one clear line per error, never a traceback."""

from __future__ import annotations

import logging
import os
import sys
from functools import cached_property, wraps
from pathlib import Path
from typing import Annotated

import typer

from college.errors import CollegeError

app = typer.Typer(
    help="Count a Labour Party leadership electoral college.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Console:
    """A rich console made when first written to: `college count --format json` never loads rich."""

    def __init__(self, **options):
        self._options = options

    @cached_property
    def console(self):
        from rich.console import Console

        return Console(**self._options)

    def __getattr__(self, name: str):
        return getattr(self.console, name)


out = _Console()
err = _Console(stderr=True, soft_wrap=True)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"college {version('college')}")
        raise typer.Exit()


@app.callback()
def college(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Count a Labour Party leadership electoral college."""
    # Commands that run a flow use Prefect on embedded defaults: its local SQLite and a temporary
    # server started on demand, patient with a slow machine (shared/docs/prefect-notes.md), no
    # telemetry. Set before any command imports Prefect; the environment may override each.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def clean_errors(command):
    """One clear line and a non-zero exit for any failure, never a traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CollegeError as error:  # an embargoed step's failure too: it names the step and a cause, no figure
            err.print(f"error: {error}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except OSError as error:  # the operator's paths: a folder not there, a file where a folder goes, no permission
            where = error.filename if error.filename is not None else "file"
            err.print(f"error: {where}: {error.strerror or type(error).__name__}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        except Exception as error:  # a defect, not bad input: still no traceback for the user
            err.print(f"error: unexpected {type(error).__name__}; please report it", markup=False)
            raise typer.Exit(3) from None

    return run


def table_or_json(format: str) -> str:
    """The --format every listing command takes."""
    if format not in ("table", "json"):
        raise CollegeError(f"--format must be table or json, got {format!r}", field="--format")
    return format


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store", metavar="URI", envvar="COLLEGE_STORE",
        help="a folder, file:///path or s3://bucket/prefix (else the contest file's store)",
    ),
]


PASSPHRASE_VARIABLE = "COLLEGE_KEY_PASSPHRASE"


def at_terminal() -> bool:
    """Whether a person can be asked: standard input is a terminal."""
    return sys.stdin.isatty()


def passphrase(confirm: bool = False) -> str:
    """A key file's passphrase: from COLLEGE_KEY_PASSPHRASE (for scripts) or a hidden prompt, never an
    argument kept in shell history; with neither a variable nor a terminal, one clear line."""
    value = os.environ.get(PASSPHRASE_VARIABLE)
    if value:
        return value
    if not at_terminal():
        raise CollegeError(f"no passphrase: set {PASSPHRASE_VARIABLE} or run the command at a terminal", field="passphrase")
    try:
        return typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    except (typer.Abort, EOFError):  # no terminal to ask at (or the prompt was closed)
        raise CollegeError(f"no passphrase: set {PASSPHRASE_VARIABLE} or run the command at a terminal", field="passphrase") from None


class _OneLine(logging.Filter):
    """Keep a failed run's traceback off the terminal: the command prints the one-line error itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.name.startswith(("prefect.flow_runs", "prefect.task_runs")):
            return False
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_prefect_tracebacks() -> None:
    """Once Prefect has set up its logging: its terminal handlers show no traceback and no failed-run
    report (the command's own one line says what failed). Its API handler is untouched."""
    for logger in [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not any(isinstance(f, _OneLine) for f in handler.filters):
                handler.addFilter(_OneLine())


def read_contest(path: Path):
    """The contest file, read and checked, and its bytes (the ledger anchors them)."""
    from college.contest import load_contest

    contest = load_contest(path)
    return contest, path.read_bytes()
