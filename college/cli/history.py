"""`college history`: the party's contests since 1988, counted again beside the published figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from college.cli.application import app, clean_errors, out, table_or_json
from college.history import Example, Figure, compare, count_example, examples, find_example

ExamplesOption = Annotated[
    Path | None, typer.Option("--examples", metavar="DIR", help="the history examples (default: examples/history)")
]


def _form(example: Example) -> str:
    contest = example.contest
    if not contest.has_college:
        return "one member one vote, by voter category" if contest.categories else "one member one vote"
    shares = [s.fraction * 100 for s in contest.sections]
    weights = "equal thirds" if len(set(shares)) == 1 and len(shares) == 3 else " / ".join(f"{float(w):g}" for w in shares)
    block = any(s.votes_label != "votes" for s in contest.sections)
    return f"college, {weights}{', block votes' if block else ''}"


@app.command()
@clean_errors
def history(
    contest: Annotated[str | None, typer.Argument(metavar="[CONTEST]", help="an example to count, such as 2020-deputy")] = None,
    folder: ExamplesOption = None,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List the history examples, or count one and set every published figure beside the count's."""
    table_or_json(format)
    if contest is None:
        _list(examples(folder), format)
        return
    example = find_example(contest, folder)
    result = count_example(example)
    figures = compare(example, result)
    if format == "json":
        document = {
            "contest": example.id,
            "figures": [_figure_json(f) for f in figures],
            "result": result.model_dump(mode="json"),
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        from college.reports.terminal import result_renderable

        out.print(result_renderable(result))
        out.print(_figures_table(example, figures))
        out.print(_summary(example, figures))
    if not all(f.agrees for f in figures):
        raise typer.Exit(1)


def _list(found: list[Example], format: str) -> None:
    rows = [
        {
            "contest": e.id,
            "position": e.contest.position,
            "form": _form(e),
            "rounds": e.rounds,
            "winner": e.published["winner"],
            "reconstructed": e.reconstructed,
        }
        for e in found
    ]
    if format == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    table = Table(title="History examples (college history CONTEST counts one)", title_justify="left")
    for column in ("Contest", "Position", "Form", "Rounds", "Winner", "Votes"):
        table.add_column(column)
    for row in rows:
        votes = {"none": "as published", "partly": "partly reconstructed", "all": "reconstructed"}[row["reconstructed"]]
        table.add_row(row["contest"], row["position"], row["form"], str(row["rounds"]), row["winner"], votes)
    out.print(table)


def _figure_json(figure: Figure) -> dict:
    return {
        "round": figure.round,
        "figure": figure.label,
        "published": figure.published,
        "counted": figure.counted,
        "exact": None if figure.exact is None else str(figure.exact),
        "rule": figure.rule,
        "contradicted": figure.contradicted,
        "reconstructed": figure.reconstructed,
        "source": figure.source or None,
        "agrees": figure.agrees,
    }


def _figures_table(example: Example, figures: list[Figure]):
    from rich.table import Table

    table = Table(title=f"{example.id}: the published figures beside the count's", title_justify="left")
    for column, justify in (("Round", "right"), ("Figure", "left"), ("Published", "right"), ("Counted", "right"),
                            ("Exact %", "right"), ("", "left")):
        table.add_column(column, justify=justify)
    for f in figures:
        exact = "" if f.exact is None else f"{float(f.exact):.4f}"
        if f.contradicted:
            mark = "contradicted, as documented" if f.agrees else "NOT a contradiction"
        elif f.reconstructed:
            mark = "reconstructed" if f.agrees else "DIFFERS"
        else:
            mark = "ok" if f.agrees else "DIFFERS"
        table.add_row(str(f.round or ""), f.label, f.published, f.counted, exact, mark,
                      style=None if f.agrees else "bold red")
    return table


def _summary(example: Example, figures: list[Figure]) -> str:
    published = [f for f in figures if not f.contradicted and not f.reconstructed]
    reconstructed = [f for f in figures if f.reconstructed]
    contradicted = [f for f in figures if f.contradicted]
    agreed = sum(f.agrees for f in published)
    text = f"{agreed} of {len(published)} published figures reproduced"
    if reconstructed:
        text += f"; {sum(f.agrees for f in reconstructed)} of {len(reconstructed)} reconstructed votes realised"
    if contradicted:
        text += f"; {len(contradicted)} published figure(s) contradicted by the others (see SOURCES.md)"
    return text + f"; sources: {example.folder / 'SOURCES.md'}"
