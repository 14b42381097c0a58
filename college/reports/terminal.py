"""The result as a readable table for the terminal (rich)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from college.count.result import Result, Round


def _round_table(result: Result, round_: Round) -> Table:
    title = f"Round {round_.number}"
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Candidate")
    for section in round_.sections:
        table.add_column(f"{section.name}\nvotes", justify="right")
        table.add_column("%", justify="right")
    table.add_column("College %", justify="right", style="bold")
    for name in round_.continuing:
        row = [name]
        for section in round_.sections:
            row += [f"{section.votes[name]:,}", section.shares[name].percent]
        mark = " elected" if round_.elected == name else " out" if name in round_.eliminated else ""
        table.add_row(*row, round_.college[name].percent + mark)
    table.add_row(
        "non-transferable",
        *[cell for s in round_.sections for cell in (f"{s.non_transferable:,}", "")],
        "",
        style="dim",
    )
    return table


def result_renderable(result: Result) -> Group:
    parts: list = [Text(f"{result.position}: {result.contest}", style="bold")]
    if result.status == "unopposed":
        parts.append(Text(f"{result.winner} is elected unopposed: there is no ballot."))
        return Group(*parts)
    for round_ in result.rounds:
        parts.append(_round_table(result, round_))
        for section in round_.sections:
            if section.note:
                parts.append(Text(f"  {section.name}: {section.note}", style="yellow"))
        if round_.tie_break:
            tie = round_.tie_break
            parts.append(
                Text(f"  Tie for lowest between {', '.join(tie.tied)}: {tie.eliminated} eliminated by {tie.method.value} ({tie.detail})")
            )
        if round_.batch:
            parts.append(Text(f"  Eliminated together (eliminating-ballot rule): {', '.join(round_.eliminated)}"))
    for note in result.notes:
        parts.append(Text(note, style="yellow"))
    if result.status == "decision-needed" and result.decision_needed:
        parts.append(Text(f"DECISION NEEDED: {result.decision_needed.message}", style="bold red"))
    else:
        last = result.rounds[-1]
        parts.append(Text(f"{result.winner} is elected with {last.college[result.winner].percent}% of the college in round {last.number}.", style="bold green"))
    return Group(*parts)
