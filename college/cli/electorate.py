"""`college electorate`: a roll checked against each voter category's eligibility rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from college.cli.application import app, clean_errors, out, table_or_json
from college.contest import load_contest
from college.electorate import check, read_roll


@app.command()
@clean_errors
def electorate(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file")],
    roll: Annotated[Path, typer.Argument(metavar="ROLL.csv", help="voter, category, joined, registered")],
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Check a roll against each voter category's freeze date and registration window."""
    table_or_json(format)
    contest = load_contest(contest_file)
    checked = check(contest, read_roll(roll))
    refused = checked.refused_by_category()
    if format == "json":
        document = {
            "eligible": checked.eligible,
            "refused": [{"voter": v, "category": c, "why": why} for v, c, why in checked.refused],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"{contest.id}: the roll by voter category", title_justify="left")
    for column in ("Category", "Eligible", "Refused", "Contest file's electorate"):
        table.add_column(column, justify="left" if column == "Category" else "right")
    for category in contest.categories:
        stated = "" if category.electorate is None else f"{category.electorate:,}"
        table.add_row(category.name, f"{checked.eligible[category.id]:,}", f"{refused.get(category.id, 0):,}", stated)
    out.print(table)
    for voter, category, why in checked.refused:
        out.print(f"refused: {voter} ({category}): {why}", markup=False, highlight=False)
