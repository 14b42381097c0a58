"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

Read first on a phone as much as on a desktop: the statement, then every round at a glance,
then a round at a time (charts, then the table), the transfers, how close it was, and the
breakdowns, the long ones folded. Charts scale to the width of the screen (the flow diagrams
scroll sideways within their own box), tables scroll within themselves, so the page is never
wider than the screen. Tables are the people's view of the report's tables (college/reports.py):
headers in words, thousands separated, no exact fractions (those are in the JSON and CSV).
The charts are college/charts.py's, the same as the PDF's. Every name from the data is escaped.
"""

from __future__ import annotations

import re

from college.reports.charts import Charts, e
from college.reports.tables import Report, StatementRound, Table, Transfer, when

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1200px;
 padding:.8rem 1rem;color:#111;background:#fff;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.5rem;margin:.3rem 0} h2{margin-top:2rem;border-bottom:2px solid #333;font-size:1.3rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
.wrap{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem}
table{border-collapse:collapse;font-size:.9rem}
.caption{font-weight:600;margin:.8rem 0 .2rem}
thead th[scope=colgroup]{text-align:center}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eee;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} td.n{white-space:nowrap}
tbody th{white-space:nowrap}
tr.out td,tr.out th{color:#555}
tr.won th,tr.won td{font-weight:700}
.statement{font-size:1.2rem;font-weight:600;padding:.6rem;border-left:6px solid #333;background:#f4f4f4}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,360px),1fr));gap:1rem}
figure{margin:0;min-width:0} figcaption{font-size:.85rem;color:#333}
svg.chart{display:block;max-width:100%;height:auto}
.scroll{overflow-x:auto;max-width:100%} .scroll svg.chart{max-width:none}
.dry{position:sticky;top:0;z-index:2;background:#b00;color:#fff;text-align:center;font-weight:800;letter-spacing:.2em;
 padding:.3rem;font-size:1.1rem}
.watermark{position:fixed;inset:0;overflow:hidden;pointer-events:none;display:flex;align-items:center;justify-content:center;
 font-size:min(9rem,22vw);font-weight:900;color:rgba(176,0,0,.10);transform:rotate(-30deg);z-index:1}
.small{font-size:.85rem;color:#333}
.digest{font-family:ui-monospace,monospace;overflow-wrap:anywhere;word-break:break-all;font-size:.8em}
td.digest{min-width:12em}
nav ul{padding-left:1.2rem;columns:2 14rem}
details{margin:.5rem 0} summary{cursor:pointer;font-weight:600}
@media (max-width:520px){body{padding:.6rem} table{font-size:.8rem} th,td{padding:.2rem .3rem}
 .statement{font-size:1.05rem} #table-summary{font-size:.75rem} #table-summary th,#table-summary td{white-space:normal;padding:.15rem .2rem}}
@media print{.dry{position:static} details>*{display:block}}
"""


def table_html(table: Table) -> str:
    headers, rows, numeric = table.people()
    head = "".join(f'<th scope="col"{" class=n" if n else ""}>{e(h)}</th>' for h, n in zip(headers, numeric))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if n else " class=digest" if DIGEST.match(cell) else ""}>{e(cell)}</td>'
                         for cell, n in zip(row, numeric)) + "</tr>"
        for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">none</td></tr>'
    note = f'<p class="small">{e(table.note)}</p>' if table.note else ""
    return (
        f'<p class="caption" id="caption-{e(table.id)}">{e(table.title)}</p><div class="wrap">'
        f'<table id="table-{e(table.id)}" data-table="{e(table.id)}" aria-labelledby="caption-{e(table.id)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}"
    )


def summary_html(report: Report) -> str:
    """The rounds at a glance: the first table of the page."""
    table = report.table("summary")
    headers, rows, _ = table.people()
    head = "".join(f'<th scope="col"{" class=n" if 0 < i < len(headers) - 1 else ""}>{e(h)}</th>'
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        outcome = row[-1]
        css = "won" if outcome.startswith("elected") else "out" if outcome.startswith("eliminated") else ""
        cells = "".join(f'<td class="n">{e(c) if c else "&ndash;"}</td>' for c in row[1:-1])
        body.append(f'<tr class="{css}" data-candidate="{e(row[0])}"><th scope="row">{e(row[0])}</th>{cells}'
                    f"<td>{e(outcome)}</td></tr>")
    return (
        f'<section id="at-a-glance"><p class="caption" id="caption-summary">{e(table.title)}</p><div class="wrap">'
        f'<table id="table-summary" data-table="summary" aria-labelledby="caption-summary">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        f'<p class="small">{e(table.note)}</p></section>'
    )


def round_table(report: Report, round_: StatementRound) -> str:
    """The round as the party publishes it: per section votes and %, then the college %."""
    sections = report.sections
    # With no college (one member, one vote) every share is a share of all votes.
    of_total = "% of college" if report.statement.has_college else "% of votes"
    overall = "College %" if report.statement.has_college else "% of votes"
    head = (
        '<tr><th scope="col" rowspan="2">Candidate</th>'
        + "".join(f'<th scope="colgroup" colspan="3">{e(s.name)}</th>' for s in sections)
        + f'<th scope="col" rowspan="2" class="n">{overall}</th><th scope="col" rowspan="2">Outcome</th></tr><tr>'
        + f'<th scope="col" class="n">Votes</th><th scope="col" class="n">% of section</th><th scope="col" class="n">{of_total}</th>'
        * len(sections)
        + "</tr>"
    )
    rows = []
    for c in round_.candidates:
        cells = "".join(
            f'<td class="n" data-section="{e(s.id)}" data-figure="votes">{c.sections[s.id].votes:,}</td>'
            f'<td class="n" data-section="{e(s.id)}" data-figure="share">{e(c.sections[s.id].share.percent)}</td>'
            f'<td class="n" data-section="{e(s.id)}" data-figure="contribution">{e(c.sections[s.id].contribution.percent)}</td>'
            for s in sections
        )
        css = "won" if c.outcome == "elected" else "out" if c.outcome == "eliminated" else ""
        rows.append(
            f'<tr class="{css}" data-candidate="{e(c.name)}"><th scope="row">{e(c.name)}</th>{cells}'
            f'<td class="n" data-figure="college">{e(c.college.percent)}</td><td>{e(c.outcome)}</td></tr>'
        )
    totals = {t.id: t for t in round_.sections}
    for label, figure in (("non-transferable", "non_transferable"), ("valid this round", "valid")):
        rows.append(
            f'<tr data-total="{figure}"><th scope="row">{label}</th>'
            + "".join(f'<td class="n" data-section="{e(s.id)}">{getattr(totals[s.id], figure):,}</td><td></td><td></td>'
                      for s in sections)
            + "<td></td><td></td></tr>"
        )
    caption = (
        f"Round {round_.number}: votes and shares of each section (% of the section's valid votes, and what that adds "
        f"to the college, {report.statement.section_decimals} decimal places) and college shares "
        f"({report.statement.college_decimals} decimal places)"
    )
    return (
        f'<p class="caption" id="caption-round-{round_.number}">{e(caption)}</p><div class="wrap">'
        f'<table id="table-round-{round_.number}" class="round" aria-labelledby="caption-round-{round_.number}">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def round_notes(round_: StatementRound) -> list[str]:
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
    return notes


def round_charts(report: Report, charts: Charts, round_: StatementRound) -> list[tuple[str, str]]:
    """(svg, caption): the college shares with the 50% line, then each section's shares."""
    table_id = f"table-round-{round_.number}"
    what = "college shares" if report.statement.has_college else "shares of the votes"
    out = [(
        charts.bars(f"Round {round_.number}: {what}",
                    [(c.name, float(c.college.fraction), c.college.percent) for c in round_.candidates],
                    table_id, threshold=True),
        f"{what.capitalize()} (dashed line: 50%)",
    )]
    for section in report.sections:
        out.append((
            charts.bars(f"Round {round_.number}: {section.name}",
                        [(c.name, float(c.sections[section.id].share.fraction), c.sections[section.id].share.percent)
                         for c in round_.candidates], table_id),
            f"{section.name}: % of the section",
        ))
    return out


def flow_rounds(report: Report, section: str) -> list[tuple[int, dict[str, int], int]]:
    out = []
    for round_ in report.statement.rounds:
        totals = next(s for s in round_.sections if s.id == section)
        out.append((round_.number, {c.name: c.sections[section].votes for c in round_.candidates}, totals.non_transferable))
    return out


def moves(report: Report) -> list[Transfer]:
    """Transfers, read back from the report's own table, so the chart shows exactly what the table says."""
    try:
        table = report.table("transfers")
    except KeyError:
        return []
    ids = {s.name: s.id for s in report.sections}
    return [
        Transfer(row[0], ids[row[1]], tuple(str(row[2]).split(", ")), None if row[3] == "non-transferable" else row[3], row[4])
        for row in table.rows
    ]


def section_flows(report: Report, charts: Charts) -> list[tuple[str, str]]:
    found = moves(report)
    if not found:
        return []
    return [
        (charts.sankey(f"{s.name}: papers round by round", flow_rounds(report, s.id),
                       [(m.round, m.sources, m.target, m.papers) for m in found if m.section == s.id], "table-transfers"),
         f"{s.name}: papers, round by round")
        for s in report.sections
    ]


def margin_sentences(report: Report) -> list[str]:
    names = {s.id: s.name for s in report.sections}
    of = "of the college" if report.statement.has_college else "of the votes"
    out = []
    for m in report.margins:
        papers = [f"{p.papers:,} in the {names[p.section]}" for p in m.papers if p.papers is not None]
        reach = (f"{papers[0].replace(' in', ' more papers in', 1)}" + "".join(f", or {p}" for p in papers[1:])
                 if papers else None)
        if m.where == "bottom":
            first = f"Round {m.round}: {m.candidate} was eliminated {m.gap.percent} points {of} behind {m.against}."
            then = f"To draw level, {m.candidate} needed {reach}." if reach else ""
        elif m.papers_for == "anyone else":
            first = f"Round {m.round}: {m.candidate} was elected {m.gap.percent} points above 50%."
            then = f"To hold {m.candidate} to 50% or less, the others needed {reach}." if reach else ""
        else:
            first = f"Round {m.round}: the leader, {m.candidate}, was {m.gap.percent} points short of more than 50%."
            then = f"To be elected in this round, {m.candidate} needed {reach}." if reach else ""
        out.append(f"{first} {then or 'No number of papers in any one section alone would have done it.'}")
    return out


DIGEST = re.compile(r"^[0-9a-f]{40,}$")  # a hash: broken anywhere rather than widening its table
FOLD_ROWS = 12  # longer breakdowns are folded, so the page stays short


def render_html(report: Report) -> str:
    charts = Charts(report.candidates)
    title = f"{report.position}: {report.contest}"
    kind = "NEC report" if report.audience == "nec" else "Declared result"
    dry = report.dry_run
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{'DRY RUN: ' if dry else ''}{e(kind)}: {e(title)}</title><style>{CSS}</style></head><body>",
    ]
    if dry:
        out.append('<div class="dry" role="alert" id="dry-run">DRY RUN: NOT A REAL RESULT</div>')
        out.append('<div class="watermark" aria-hidden="true">DRY RUN</div>')
    out.append(f"<header><h1>{e(kind)}: {e(title)}</h1>")
    out.append(f'<p class="small">Declared {e(when(report.declared_at))} by {e(", ".join(report.declared_by))}.</p></header>')
    out.append(f'<p class="statement" id="statement">{e(report.statement.text)}</p>')
    out.append("<main>")
    out.append(summary_html(report))
    sections = [("rounds", "Round by round")]
    flows = section_flows(report, charts)
    if flows:
        sections.append(("transfers", "Where each eliminated candidate's papers went"))
    if report.margins:
        sections.append(("margins", "How close it was"))
    sections.append(("breakdowns", "Breakdowns"))
    if report.audience == "nec":
        sections.append(("procedure", "Flags, decisions and the procedural record"))
    out.append('<nav aria-label="Contents"><ul>' + "".join(f'<li><a href="#{i}">{e(t)}</a></li>' for i, t in sections)
               + "</ul></nav>")

    out.append('<section id="rounds"><h2>Round by round</h2>')
    for round_ in report.statement.rounds:
        figures = "".join(f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>"
                          for svg, caption in round_charts(report, charts, round_))
        notes = "".join(f"<p>{e(n)}</p>" for n in round_notes(round_))
        out.append(f'<section id="round-{round_.number}"><h3>Round {round_.number}</h3>'
                   f'<div class="charts">{figures}</div>{round_table(report, round_)}{notes}</section>')
    out.append("</section>")
    if flows:
        out.append('<section id="transfers"><h2>Where each eliminated candidate\'s papers went</h2>')
        out += [f'<figure><div class="scroll">{svg}</div><figcaption>{e(caption)}</figcaption></figure>' for svg, caption in flows]
        out.append(table_html(report.table("transfers")) + "</section>")
    if report.margins:
        out.append('<section id="margins"><h2>How close it was</h2>')
        out += [f"<p>{e(line)}</p>" for line in margin_sentences(report)]
        out.append(table_html(report.table("margins")) + "</section>")
    out.append('<section id="breakdowns"><h2>Breakdowns</h2>')
    shown = {"summary", "transfers", "margins"}
    for table in report.tables:
        if table.id in shown or not table.for_people or table.id.startswith(("nec-", "round-")):
            continue
        if len(table.rows) > FOLD_ROWS:
            out.append(f'<details id="fold-{e(table.id)}"><summary>{e(table.title)} ({len(table.rows):,} rows)</summary>'
                       f"{table_html(table)}</details>")
        else:
            out.append(table_html(table))
    out.append("</section>")
    if report.audience == "nec":
        out.append('<section id="procedure"><h2>Flags, decisions and the procedural record</h2>')
        out += [table_html(t) for t in report.tables if t.id.startswith("nec-")]
        out.append("</section>")
    out.append("</main>")
    out.append(
        f'<footer class="small"><p>Ledger head <span class="digest">{e(report.ledger_head)}</span>; result digest '
        f'<span class="digest">{e(report.result_digest)}</span>; declaration digest '
        f'<span class="digest">{e(report.declaration_digest)}</span>.</p>'
        f"{'<p><strong>DRY RUN</strong>: every figure here is from a rehearsal.</p>' if dry else ''}</footer>"
    )
    out.append("</body></html>")
    return "\n".join(out)
