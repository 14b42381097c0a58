"""`college store init`: set up the count's store, so that a mistyped store name is refused, not made."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from college.cli.application import StoreOption, app, clean_errors, out
from college.contest import load_contest
from college.preconditions import require_store, set_up_store
from college.store import store_from

store_app = typer.Typer(help="The count's store.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("init")
@clean_errors
def init(contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml")], store: StoreOption = None) -> None:
    """Set up the store the contest file names (or --store): `submit` and `status` refuse a store never set up."""
    contest = load_contest(contest_file)
    where = store_from(store or None, default=contest.store)
    made = set_up_store(where, contest.id, datetime.now(UTC))
    require_store(where, contest.id)
    out.print(f"store {where.uri} {'set up' if made else 'was already set up'} for {contest.id}", markup=False, soft_wrap=True)
