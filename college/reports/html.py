"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

Accessible by construction: every chart is an SVG with a title and a description and a
table of the same figures beside it; each candidate has a pattern as well as a colour
and every bar is labelled, so nothing depends on telling colours apart. Every name
from the data is escaped.
"""

from __future__ import annotations

from html import escape
from itertools import pairwise

from college.reports.tables import Report, StatementRound, Table, Transfer

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
MARKS = [
    "",
    '<path d="M0,8 L8,0" stroke="#111" stroke-width="1.4"/>',
    '<circle cx="4" cy="4" r="1.6" fill="#111"/>',
    '<path d="M0,4 H8" stroke="#111" stroke-width="1.4"/>',
    '<path d="M0,8 L8,0 M0,0 L8,8" stroke="#111" stroke-width="1"/>',
    '<path d="M4,0 V8" stroke="#111" stroke-width="1.4"/>',
    '<path d="M0,0 L8,8" stroke="#111" stroke-width="1.4"/>',
    '<rect x="2" y="2" width="4" height="4" fill="#111"/>',
]
NON_TRANSFERABLE = "non-transferable"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1200px;
 padding:1rem 1.5rem;color:#111;background:#fff;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:2px solid #333} h3{margin-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #999;padding:.2rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#eee}
.statement{font-size:1.25rem;font-weight:600;padding:.6rem;border-left:6px solid #333;background:#f4f4f4}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0} figcaption{font-size:.85rem;color:#333}
.dry{position:sticky;top:0;z-index:2;background:#b00;color:#fff;text-align:center;font-weight:800;letter-spacing:.3em;
 padding:.3rem;font-size:1.2rem}
.watermark{position:fixed;inset:0;pointer-events:none;display:flex;align-items:center;justify-content:center;
 font-size:9rem;font-weight:900;color:rgba(176,0,0,.10);transform:rotate(-30deg);z-index:1}
.facts td:first-child{font-weight:600}
.small{font-size:.85rem;color:#333}
@media print{.dry{position:static}}
"""


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _defs(count: int) -> str:
    patterns = []
    for i in range(count):
        colour, mark = COLOURS[i % len(COLOURS)], MARKS[i % len(MARKS)]
        patterns.append(
            f'<pattern id="pat{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{mark}</pattern>'
        )
    patterns.append(
        '<pattern id="patnt" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#ddd"/><path d="M0,2 H4 M4,6 H8" stroke="#555" stroke-width="1"/></pattern>'
    )
    return f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{"".join(patterns)}</defs></svg>'


class Charts:
    """SVG charts; `fill` gives each candidate the same pattern everywhere."""

    def __init__(self, candidates: list[str]):
        self.index = {name: i for i, name in enumerate(candidates)}
        self.serial = 0

    def fill(self, name: str | None) -> str:
        return "url(#patnt)" if name is None else f"url(#pat{self.index[name]})"

    def _ids(self) -> tuple[str, str]:
        self.serial += 1
        return f"chart{self.serial}-title", f"chart{self.serial}-desc"

    def bars(self, title: str, items: list[tuple[str, float, str]], described_by: str, threshold: bool = False) -> str:
        """Horizontal bars, one per (candidate, fraction of one, label); full width is 100%."""
        label_w, bar_w, row_h, top = 170, 300, 26, 8
        width, height = label_w + bar_w + 70, top + row_h * len(items) + 22
        title_id, desc_id = self._ids()
        parts = [
            f'<svg class="chart bars" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{title_id}" aria-describedby="{desc_id} {described_by}">',
            f'<title id="{title_id}">{e(title)}</title>',
            f'<desc id="{desc_id}">Bar chart; the same figures are in the table that follows.</desc>',
        ]
        for row, (name, value, label) in enumerate(items):
            y = top + row * row_h
            w = max(0.0, min(1.0, value)) * bar_w
            parts.append(
                f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" font-size="12">{e(name)}</text>'
                f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.2f}" height="{row_h - 8}" fill="{self.fill(name)}" '
                f'stroke="#111" stroke-width="0.6"><title>{e(name)}: {e(label)}%</title></rect>'
                f'<text x="{label_w + w + 5:.2f}" y="{y + 17}" font-size="12">{e(label)}%</text>'
            )
        axis_y = top + row_h * len(items)
        parts.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{axis_y}" stroke="#111"/>')
        for tick in (0, 25, 50, 75, 100):
            x = label_w + bar_w * tick / 100
            parts.append(f'<text x="{x}" y="{axis_y + 15}" font-size="10" text-anchor="middle">{tick}%</text>')
        if threshold:
            x = label_w + bar_w / 2
            parts.append(
                f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{axis_y}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/>'
            )
        parts.append("</svg>")
        return "".join(parts)

    def sankey(self, title: str, section: str, rounds: list[tuple[int, dict[str, int], int]], moves: list[Transfer],
               described_by: str) -> str:
        """Papers of one section from round to round: each column a round, each eliminated
        candidate's block flowing to the candidates who gained and to non-transferable."""
        col_w, gap, height, node_w, top = 210, 6, 320, 16, 10
        width = 40 + col_w * (len(rounds) - 1) + node_w + 150
        total = max(sum(v.values()) + nt for _, v, nt in rounds) or 1
        slots = max(len(v) + 1 for _, v, _ in rounds)
        scale = (height - top * 2 - gap * slots) / total
        title_id, desc_id = self._ids()
        parts = [
            f'<svg class="chart sankey" role="img" width="{width}" height="{height + 20}" '
            f'viewBox="0 0 {width} {height + 20}" aria-labelledby="{title_id}" aria-describedby="{desc_id} {described_by}">',
            f'<title id="{title_id}">{e(title)}</title>',
            f'<desc id="{desc_id}">Flow diagram; the same figures are in the transfers table.</desc>',
        ]
        nodes: list[dict[str | None, tuple[float, float]]] = []  # per column: name -> (y, height)
        front: list[str] = []  # nodes and labels, drawn over the flows
        for column, (number, votes, nt) in enumerate(rounds):
            x, y, placed = 20 + column * col_w, float(top), {}
            for name, papers in [*votes.items(), (None, nt)]:
                h = papers * scale
                placed[name] = (y, h)
                label = NON_TRANSFERABLE if name is None else name
                front.append(
                    f'<rect class="node" x="{x}" y="{y:.2f}" width="{node_w}" height="{max(h, 0.5):.2f}" '
                    f'fill="{self.fill(name)}" stroke="#111" stroke-width="0.5"><title>Round {number}: {e(label)}, '
                    f'{papers:,} papers</title></rect>'
                )
                if column == len(rounds) - 1 or h > 11:
                    front.append(
                        f'<text x="{x + node_w + 3}" y="{y + min(h, 22) / 2 + 4:.2f}" font-size="10" paint-order="stroke" '
                        f'stroke="#fff" stroke-width="3">{e(label)} {papers:,}</text>'
                    )
                y += h + gap
            front.append(f'<text x="{x}" y="{height + 14}" font-size="11">Round {number}</text>')
            nodes.append(placed)
        for column, ((number, votes, nt), (_, next_votes, _)) in enumerate(pairwise(rounds)):
            x0, x1 = 20 + column * col_w + node_w, 20 + (column + 1) * col_w
            out_used = {name: 0.0 for name in nodes[column]}
            in_used = {name: 0.0 for name in nodes[column + 1]}
            links: list[tuple[str | None, str | None, float]] = [
                (name, name, votes[name] * scale) for name in next_votes
            ] + [(None, None, nt * scale)]
            gone = [m for m in moves if m.round == number and m.section == section and m.papers > 0]
            sources = [s for s in votes if s not in next_votes]
            source_total = sum(votes[s] for s in sources) or 1
            for move in gone:
                for source in sources:  # a batch of eliminated is shared out in proportion, for drawing only
                    links.append((source, move.target, move.papers * votes[source] / source_total * scale))
            for source, target, h in links:
                if h <= 0:
                    continue
                sy, ty = nodes[column][source][0] + out_used[source], nodes[column + 1][target][0] + in_used[target]
                out_used[source] += h
                in_used[target] += h
                xm = (x0 + x1) / 2
                parts.append(
                    f'<path class="flow" d="M{x0},{sy:.2f} C{xm},{sy:.2f} {xm},{ty:.2f} {x1},{ty:.2f} '
                    f'L{x1},{ty + h:.2f} C{xm},{ty + h:.2f} {xm},{sy + h:.2f} {x0},{sy + h:.2f} Z" '
                    f'fill="{self.fill(source)}" fill-opacity="{0.35 if source == target else 0.75}" stroke="#333" '
                    f'stroke-width="0.3"/>'
                )
        parts += front
        parts.append("</svg>")
        return "".join(parts)


def table_html(table: Table, numeric: set[int] | None = None) -> str:
    numeric = numeric if numeric is not None else {
        i for i in range(len(table.columns)) if table.rows and all(isinstance(r[i], int) for r in table.rows)
    }
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{e(cell)}</td>' for i, cell in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    note = f'<p class="small">{e(table.note)}</p>' if table.note else ""
    return (
        f'<table id="table-{e(table.id)}" data-table="{e(table.id)}"><caption>{e(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
    )


def round_table(report: Report, round_: StatementRound) -> str:
    """The round as the party publishes it: per section votes and %, then the college %."""
    sections = report.sections
    # With no college (one member, one vote) every share is a share of all votes.
    of_total = "% of college" if report.statement.has_college else "% of votes"
    overall = "College %" if report.statement.has_college else "% of votes"
    head = '<th scope="col">Candidate</th>' + "".join(
        f'<th scope="col">{e(s.name)} votes</th><th scope="col">{e(s.name)} % of section</th>'
        f'<th scope="col">{e(s.name)} {of_total}</th>'
        for s in sections
    ) + f'<th scope="col">{overall}</th><th scope="col">Outcome</th>'
    rows = []
    for c in round_.candidates:
        cells = "".join(
            f'<td class="n" data-section="{e(s.id)}" data-figure="votes">{c.sections[s.id].votes:,}</td>'
            f'<td class="n" data-section="{e(s.id)}" data-figure="share" title="exact {e(c.sections[s.id].share.exact)}">'
            f"{e(c.sections[s.id].share.percent)}</td>"
            f'<td class="n" data-section="{e(s.id)}" data-figure="contribution" '
            f'title="exact {e(c.sections[s.id].contribution.exact)}">{e(c.sections[s.id].contribution.percent)}</td>'
            for s in sections
        )
        rows.append(
            f'<tr data-candidate="{e(c.name)}"><th scope="row">{e(c.name)}</th>{cells}'
            f'<td class="n" data-figure="college" title="exact {e(c.college.exact)}">{e(c.college.percent)}</td>'
            f"<td>{e(c.outcome)}</td></tr>"
        )
    totals = {t.id: t for t in round_.sections}
    rows.append(
        '<tr><th scope="row">non-transferable</th>'
        + "".join(f'<td class="n">{totals[s.id].non_transferable:,}</td><td></td><td></td>' for s in sections)
        + "<td></td><td></td></tr>"
    )
    rows.append(
        '<tr><th scope="row">valid this round</th>'
        + "".join(f'<td class="n">{totals[s.id].valid:,}</td><td></td><td></td>' for s in sections)
        + "<td></td><td></td></tr>"
    )
    return (
        f'<table id="table-round-{round_.number}" class="round"><caption>Round {round_.number}: votes and '
        f"shares of each section (% of the section's valid votes, and what that adds to the college, "
        f"{report.statement.section_decimals} dp) and college shares ({report.statement.college_decimals} dp)</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _round_notes(round_: StatementRound) -> str:
    notes = []
    if round_.eliminated:
        together = " (together, by the eliminating-ballot rule)" if round_.batch else ""
        notes.append(f"Eliminated: {', '.join(round_.eliminated)}{together}.")
    if round_.tie_break:
        t = round_.tie_break
        notes.append(
            f"Tie for the lowest college share between {', '.join(t.tied)}: {t.eliminated} eliminated by "
            f"{t.method.value} ({t.detail})."
        )
    notes += [f"{s.name}: {s.note}" for s in round_.sections if s.note]
    if round_.unallocated:
        notes.append(f"{round_.unallocated.percent}% of the college went to nobody this round.")
    return "".join(f"<p>{e(n)}</p>" for n in notes)


def _flow_rounds(report: Report, section: str) -> list[tuple[int, dict[str, int], int]]:
    out = []
    for round_ in report.statement.rounds:
        totals = next(s for s in round_.sections if s.id == section)
        out.append((round_.number, {c.name: c.sections[section].votes for c in round_.candidates}, totals.non_transferable))
    return out


def _moves(report: Report) -> list[Transfer]:
    """Transfers, read back from the report's own table, so the chart shows exactly what the table says."""
    try:
        table = report.table("transfers")
    except KeyError:
        return []
    ids = {s.name: s.id for s in report.sections}
    return [
        Transfer(row[0], ids[row[1]], tuple(str(row[2]).split(", ")), None if row[3] == NON_TRANSFERABLE else row[3], row[4])
        for row in table.rows
    ]


def render_html(report: Report) -> str:
    charts = Charts(report.candidates)
    title = f"{report.position}: {report.contest}"
    kind = "NEC report" if report.audience == "nec" else "Declared result"
    dry = report.dry_run
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
        f"<title>{'DRY RUN: ' if dry else ''}{e(kind)}: {e(title)}</title><style>{CSS}</style></head><body>",
    ]
    if dry:
        out.append('<div class="dry" role="alert" id="dry-run">DRY RUN: NOT A REAL RESULT</div>')
        out.append('<div class="watermark" aria-hidden="true">DRY RUN</div>')
    out.append(_defs(len(report.candidates)))
    out.append(f"<header><h1>{e(kind)}: {e(title)}</h1>")
    out.append(
        f'<p class="small">Declared {e(report.declared_at.isoformat())} by {e(", ".join(report.declared_by))}.</p></header>'
    )
    out.append(f'<p class="statement" id="statement">{e(report.statement.text)}</p>')
    out.append("<main>")
    for round_ in report.statement.rounds:
        table_id = f"table-round-{round_.number}"
        figures = [
            charts.bars(
                f"Round {round_.number}: college shares",
                [(c.name, float(c.college.fraction), c.college.percent) for c in round_.candidates],
                table_id,
                threshold=True,
            )
        ]
        for section in report.sections:
            figures.append(
                charts.bars(
                    f"Round {round_.number}: {section.name}",
                    [
                        (c.name, float(c.sections[section.id].share.fraction), c.sections[section.id].share.percent)
                        for c in round_.candidates
                    ],
                    table_id,
                )
            )
        captions = ["College shares (dashed line: 50%)"] + [f"{s.name}: % of the section" for s in report.sections]
        figure_html = "".join(
            f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>" for svg, caption in zip(figures, captions)
        )
        out.append(
            f'<section id="round-{round_.number}"><h2>Round {round_.number}</h2>'
            f'<div class="charts">{figure_html}</div>{round_table(report, round_)}{_round_notes(round_)}</section>'
        )
    moves = _moves(report)
    if moves:
        out.append('<section id="transfers"><h2>Where each eliminated candidate\'s papers went</h2><div class="charts">')
        for section in report.sections:
            svg = charts.sankey(
                f"{section.name}: papers round by round", section.id, _flow_rounds(report, section.id), moves,
                "table-transfers",
            )
            out.append(f"<figure>{svg}<figcaption>{e(section.name)}: papers, round by round</figcaption></figure>")
        out.append("</div>")
        out.append(table_html(report.table("transfers")) + "</section>")
    shown = {"transfers"}
    out.append('<section id="breakdowns"><h2>Breakdowns</h2>')
    for table in report.tables:
        if table.id in shown or table.id.startswith(("nec-", "round-")):
            continue
        out.append(table_html(table))
    out.append("</section>")
    if report.audience == "nec":
        out.append('<section id="procedure"><h2>Procedural record</h2>')
        for table in report.tables:
            if table.id.startswith("nec-"):
                out.append(table_html(table))
        out.append("</section>")
    out.append("</main>")
    out.append(
        f'<footer class="small"><p>Ledger head {e(report.ledger_head)}; result digest {e(report.result_digest)}; '
        f"declaration digest {e(report.declaration_digest)}.</p>"
        f"{'<p><strong>DRY RUN</strong>: every figure here is from a rehearsal.</p>' if dry else ''}</footer>"
    )
    out.append("</body></html>")
    return "\n".join(out)

