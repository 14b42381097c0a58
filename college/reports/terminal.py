"""The result as a readable table for the terminal (rich)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from college.count.result import Result, Round


def share_label(result: Result) -> str:
    """What a candidate's overall share is of: the college's weights, or all votes (OMOV)."""
    return "of the college" if result.has_college else "of votes"


def _round_table(result: Result, round_: Round) -> Table:
    title = f"Round {round_.number}"
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Candidate")
    labels = {s.id: s.votes_label for s in result.sections}
    if result.has_college:
        for section in round_.sections:
            table.add_column(f"{section.name}\n{labels.get(section.id, 'votes')}", justify="right")
            table.add_column("%", justify="right")
        table.add_column("College %", justify="right", style="bold")
    else:
        table.add_column("Votes", justify="right")
        table.add_column("% of votes", justify="right", style="bold")
    for name in round_.continuing:
        row = [name]
        if result.has_college:
            for section in round_.sections:
                row += [f"{section.votes[name]:,}", section.shares[name].percent]
        else:
            row.append(f"{round_.sections[0].votes[name]:,}")
        mark = " elected" if round_.elected == name else " out" if name in round_.eliminated else ""
        table.add_row(*row, round_.college[name].percent + mark)
    dropped = [s.non_transferable for s in round_.sections]
    table.add_row(
        "non-transferable",
        *([cell for n in dropped for cell in (f"{n:,}", "")] if result.has_college else [f"{dropped[0]:,}"]),
        "",
        style="dim",
    )
    return table


def _category_table(round_: Round) -> Table | None:
    """The round by voter category, as the party published it in 2015 and 2020."""
    categories = [category for section in round_.sections for category in section.categories]
    if not categories:
        return None
    table = Table(title=f"Round {round_.number} by voter category", title_justify="left")
    table.add_column("Candidate")
    for category in categories:
        table.add_column(f"{category.name}\nvotes", justify="right")
        table.add_column("%", justify="right")
    for name in round_.continuing:
        table.add_row(name, *[cell for c in categories for cell in (f"{c.votes[name]:,}", c.shares[name].percent)])
    table.add_row(
        "non-transferable", *[cell for c in categories for cell in (f"{c.non_transferable:,}", "")], style="dim"
    )
    return table


def result_renderable(result: Result) -> Group:
    parts: list = [Text(f"{result.position}: {result.contest}", style="bold")]
    if result.status == "unopposed":
        parts.append(Text(f"{result.winner} is elected unopposed: there is no ballot."))
        return Group(*parts)
    for round_ in result.rounds:
        parts.append(_round_table(result, round_))
        by_category = _category_table(round_)
        if by_category is not None:
            parts.append(by_category)
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
        parts.append(
            Text(
                f"{result.winner} is elected with {last.college[result.winner].percent}% {share_label(result)} "
                f"in round {last.number}.",
                style="bold green",
            )
        )
    return Group(*parts)
