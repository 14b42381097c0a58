"""PrefLib's ordinal formats: `.soi` (strict orders, incomplete) and `.toi` (with ties).

The header is PrefLib's (https://preflib.org/format): file name, title, description, data
type, the number of alternatives, voters and unique orders, and each alternative's name;
then one line per order, most papers first: `count: 4,5,2`, a tie written `{1,2}`.
PrefLib lists orders, so papers with no preference the count could read and blank papers
are not lines of the file: the description gives their number.
"""

from __future__ import annotations

from college.declaration import Declaration
from college.exports.blt import title
from college.exports.papers import SectionPapers


def preflib_text(declaration: Declaration, papers: SectionPapers) -> str:
    kind = "soi" if papers.strict else "toi"
    number = {name: i for i, name in enumerate(papers.candidates, start=1)}
    orders = sorted(
        ((order, n) for order, n in papers.orders.items() if order),
        key=lambda item: (-item[1], [sorted(number[x] for x in place) for place in item[0]]),
    )
    day = declaration.declared_at.date().isoformat()
    description = (
        f"Each paper as the count read it under the contest's rules. Not listed: {papers.unreadable:,} papers "
        f"with no preference the count could read, and {papers.blank:,} blank papers."
    )
    lines = [
        f"# FILE NAME: {declaration.contest_id}-{papers.section}.{kind}",
        f"# TITLE: {title(declaration, papers)}",
        f"# DESCRIPTION: {description}",
        f"# DATA TYPE: {kind}",
        "# MODIFICATION TYPE: original",
        "# RELATES TO: ",
        "# RELATED FILES: ",
        f"# PUBLICATION DATE: {day}",
        f"# MODIFICATION DATE: {day}",
        f"# NUMBER ALTERNATIVES: {len(papers.candidates)}",
        f"# NUMBER VOTERS: {sum(n for _, n in orders)}",
        f"# NUMBER UNIQUE ORDERS: {len(orders)}",
        *(f"# ALTERNATIVE NAME {i}: {name}" for name, i in number.items()),
    ]

    def place(names: frozenset[str]) -> str:
        ids = sorted(number[n] for n in names)
        return str(ids[0]) if len(ids) == 1 else "{" + ",".join(map(str, ids)) + "}"

    lines += [f"{n}: {','.join(place(p) for p in order)}" for order, n in orders]
    return "\n".join(lines) + "\n"
