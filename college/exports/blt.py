"""BLT, the ballot file OpenSTV, OpaVote and Droop read.

    5 1                 candidates, seats
    12 4 5 2 0          papers with this order, the candidates' numbers in order, 0
    3 0                 papers with no preference the count could read (non-transferable from round 1)
    0                   end of the papers
    "Diane Abbott"      the candidates' names, in number order
    ...
    "2010-leader: Leader, PLP and EPLP"   the title

BLT has no escape for a double quote inside a name: one is written as a single quote.
"""

from __future__ import annotations

from college.declaration import Declaration
from college.exports.papers import SectionPapers


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def title(declaration: Declaration, papers: SectionPapers) -> str:
    mark = "DRY RUN: " if declaration.dry_run else ""
    return f"{mark}{declaration.contest_id}: {declaration.position}, {papers.name}"


def blt_text(declaration: Declaration, papers: SectionPapers) -> str:
    number = {name: i for i, name in enumerate(papers.candidates, start=1)}
    lines = [f"{len(papers.candidates)} 1"]
    for order, count in sorted(papers.orders.items(), key=lambda item: (-item[1], [number[next(iter(p))] for p in item[0]])):
        lines.append(" ".join([str(count), *(str(number[next(iter(place))]) for place in order), "0"]))
    lines.append("0")
    lines += [_quoted(name) for name in papers.candidates]
    lines.append(_quoted(title(declaration, papers)))
    return "\n".join(lines) + "\n"
