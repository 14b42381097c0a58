"""The `college` command line. Each command parses, calls the domain and prints.

Each module here holds the commands of one part of the domain and registers them on the
application. The `college` script imports only the module of the command it is asked to
run, so that `college count` does not first load Prefect, the key ceremony and the
reports: a count of two million papers is done in the time those imports would take.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterable

# Each top-level command or command group, and the module that registers it.
COMMANDS = {
    "count": "count",
    "tally": "declare",
    "declare": "declare",
    "dry-run": "declare",
    "submit": "pipeline",
    "serve": "serve",
    "ingest": "pipeline",
    "status": "pipeline",
    "decision": "decision",
    "secrets": "secrets",
    "store": "store",
    "report": "reports",
    "bundle": "reports",
    "verify": "reports",
    "keygen": "scrutineer",
    "return": "scrutineer",
    "committee": "ceremony",
    "ceremony": "ceremony",
    "ledger": "ledger",
    "receipt": "ledger",
    "nominations": "nominations",
    "meeting": "meeting",
    "history": "history",
    "electorate": "electorate",
    "timetable": "paperwork",
    "membership": "paperwork",
    "ballot-papers": "paperwork",
    "delegates": "paperwork",
}


def _register(modules: Iterable[str]) -> None:
    for module in sorted(set(modules)):
        importlib.import_module(f"college.cli.{module}")


def main() -> None:
    """The `college` script: the command asked for, or every command for help and errors."""
    # Import with the cycle collector paused, then freeze what was imported, so that no
    # collection while the command runs, nor the one at exit, walks those objects again.
    gc.disable()
    from college.cli.application import app

    asked = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    _register([COMMANDS[asked]] if asked in COMMANDS else COMMANDS.values())
    gc.freeze()
    gc.enable()
    app()


def __getattr__(name: str):
    """`from college.cli import app`: the application with every command registered."""
    if name != "app":
        raise AttributeError(name)
    from college.cli.application import app

    _register(COMMANDS.values())
    return app
