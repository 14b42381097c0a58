"""The reports' charts as SVG, drawn the same for the HTML page and the PDF (fpdf2 draws SVG).

Accessible by construction: every chart has a title and a description, and a table of the same
figures beside it; each candidate has a hatching as well as a colour and every bar is labelled,
so nothing depends on telling colours apart. The hatching is drawn line by line (fpdf2 has no
SVG patterns). Labels never sit on the 50% line: one that would is moved past it.
Every name from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
NON_TRANSFERABLE = "non-transferable"
NT_COLOUR = "#dddddd"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width (DejaVu Sans is wide: about 0.6 em a character)."""
    return len(text) * size * 0.62


def _clip(x0: float, y0: float, x1: float, y1: float, box: tuple[float, float, float, float]):
    """The part of the segment inside the box (Liang-Barsky), or None."""
    left, top, right, bottom = box
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
    if low > high:
        return None
    return x0 + low * dx, y0 + low * dy, x0 + high * dx, y0 + high * dy


def hatch(kind: int, x: float, y: float, w: float, h: float) -> str:
    """One of eight hatchings inside the rectangle, as lines and dots."""
    kind %= 8
    if kind == 0 or w < 1 or h < 1:
        return ""
    box = (x, y, x + w, y + h)
    segments: list[tuple[float, float, float, float]] = []
    step = 6.0
    if kind in (1, 4):  # diagonal /
        c = x - h
        while c < x + w:
            segments.append((c, y + h, c + h, y))
            c += step
    if kind in (4, 6):  # diagonal \
        c = x - h
        while c < x + w:
            segments.append((c, y, c + h, y + h))
            c += step
    if kind in (3, 7):  # horizontal
        yy = y + step / 2
        while yy < y + h:
            segments.append((x, yy, x + w, yy))
            yy += step
    if kind in (5, 7):  # vertical
        xx = x + step / 2
        while xx < x + w:
            segments.append((xx, y, xx, y + h))
            xx += step
    parts = []
    for segment in segments:
        clipped = _clip(*segment, box)
        if clipped:
            parts.append("M{:.1f},{:.1f}L{:.1f},{:.1f}".format(*clipped))
    out = f'<path d="{"".join(parts)}" stroke="#111" stroke-width="0.9" fill="none"/>' if parts else ""
    if kind == 2:  # dots
        dots = []
        yy = y + 3
        while yy < y + h - 1:
            xx = x + 3
            while xx < x + w - 1:
                dots.append(f'<circle cx="{xx:.1f}" cy="{yy:.1f}" r="1.1" fill="#111"/>')
                xx += 6
            yy += 6
        out += "".join(dots)
    return out


@dataclass(frozen=True)
class Style:
    colour: str
    kind: int


class Charts:
    """The charts of one report: each candidate keeps one colour and hatching everywhere."""

    def __init__(self, candidates: Sequence[str]):
        self.styles = {name: Style(COLOURS[i % len(COLOURS)], i % 8) for i, name in enumerate(candidates)}
        self.serial = 0

    def _ids(self) -> tuple[str, str]:
        self.serial += 1
        return f"chart{self.serial}-title", f"chart{self.serial}-desc"

    def box(self, name: str | None, x: float, y: float, w: float, h: float, tip: str, css: str) -> str:
        style = self.styles.get(name) if name else None
        fill = style.colour if style else NT_COLOUR
        marks = hatch(style.kind if style else 3, x, y, w, h)
        return (
            f'<g class="{css}"><rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0.5):.2f}" height="{h:.2f}" fill="{fill}" '
            f'stroke="#111" stroke-width="0.6"><title>{e(tip)}</title></rect>{marks}</g>'
        )

    def _open(self, css: str, width: float, height: float, title: str, desc: str, described_by: str | None) -> list[str]:
        title_id, desc_id = self._ids()
        by = f"{desc_id} {described_by}" if described_by else desc_id
        return [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" '
            f'aria-labelledby="{title_id}" aria-describedby="{by}">',
            f'<title id="{title_id}">{e(title)}</title>',
            f'<desc id="{desc_id}">{e(desc)}</desc>',
        ]

    def bars(self, title: str, items: list[tuple[str, float, str]], described_by: str | None = None,
             threshold: bool = False) -> str:
        """Horizontal bars, one per (candidate, fraction of one, label in %); the full width is 100%.
        Each name sits above its bar, so the chart is narrow enough for a phone."""
        width, left, bar_w, name_h, bar_h, gap, top = 360, 4, 290, 15, 16, 9, 18 if threshold else 4
        row_h = name_h + bar_h + gap
        height = top + row_h * len(items) + 18
        parts = self._open("bars", width, height, title, "Bar chart; the same figures are in the table that follows.",
                           described_by)
        line_x = left + bar_w / 2
        if threshold:
            parts.append(f'<text x="{line_x:.1f}" y="11" font-size="11" text-anchor="middle">50%</text>')
        for row, (name, value, label) in enumerate(items):
            y = top + row * row_h
            w = max(0.0, min(1.0, value)) * bar_w
            parts.append(f'<text class="name" x="{left}" y="{y + 12}" font-size="12">{e(name)}</text>')
            parts.append(self.box(name, left, y + name_h, w, bar_h, f"{name}: {label}%", "bar"))
            shown = f"{label}%"
            lx = left + w + 5
            size = 12
            if lx + text_width(shown, size) > width:  # no room after the bar: inside it, on a white ground
                lx = left + w - text_width(shown, size) - 4
            if threshold and lx - 2 < line_x < lx + text_width(shown, size) + 2:
                lx = line_x + 5  # past the 50% line, never across it
            parts.append(
                f'<rect x="{lx - 2:.1f}" y="{y + name_h + 1}" width="{text_width(shown, size) + 4:.1f}" height="{bar_h - 2}" '
                f'fill="#fff" fill-opacity="0.85"/>'
                f'<text class="value" x="{lx:.1f}" y="{y + name_h + 12.5}" font-size="{size}" font-weight="bold">{e(shown)}</text>'
            )
        axis_y = top + row_h * len(items) - gap + 2
        parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="#111"/>')
        for tick in (0, 25, 50, 75, 100):
            x = left + bar_w * tick / 100
            anchor = "start" if tick == 0 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{axis_y + 13}" font-size="10" text-anchor="{anchor}">{tick}%</text>')
        if threshold:
            # Drawn over the bars only: it never crosses a name, and no figure sits on it.
            for row in range(len(items)):
                y = top + row * row_h
                parts.append(
                    f'<line class="threshold" x1="{line_x:.1f}" y1="{y + name_h - 1}" x2="{line_x:.1f}" y2="{y + name_h + bar_h + 1}" '
                    f'stroke="#000" stroke-width="1.5" stroke-dasharray="4 2"/>'
                )
        parts.append("</svg>")
        return "".join(parts)

    def sankey(self, title: str, rounds: list[tuple[int, dict[str, int], int]],
               moves: list[tuple[int, tuple[str, ...], str | None, int]], described_by: str | None = None) -> str:
        """Papers of one section from round to round: each column a round (candidates' papers and
        the non-transferable), each eliminated candidate's block flowing to where it went.
        `moves`: (round, eliminated, target or None for non-transferable, papers)."""
        col_w, gap, height, node_w, top, label_w = 190, 6, 300, 16, 10, 170
        width = 20 + col_w * (len(rounds) - 1) + node_w + label_w
        total = max(sum(v.values()) + nt for _, v, nt in rounds) or 1
        slots = max(len(v) + 1 for _, v, _ in rounds)
        scale = (height - top * 2 - gap * slots) / total
        parts = self._open("sankey", width, height + 20, title,
                           "Flow diagram; the same figures are in the transfers table.", described_by)
        nodes: list[dict[str | None, tuple[float, float]]] = []
        front: list[str] = []
        for column, (number, votes, nt) in enumerate(rounds):
            x, y, placed = 20 + column * col_w, float(top), {}
            last = column == len(rounds) - 1
            for name, papers in [*votes.items(), (None, nt)]:
                h = papers * scale
                placed[name] = (y, h)
                label = NON_TRANSFERABLE if name is None else name
                front.append(self.box(name, x, y, node_w, max(h, 0.5), f"Round {number}: {label}, {papers:,} papers", "node"))
                if h > 11 or (last and papers):
                    shown = f"{label} {papers:,}"
                    tx = x + node_w + 3
                    front.append(
                        f'<rect x="{tx - 1}" y="{y + min(h, 22) / 2 - 5:.2f}" width="{text_width(shown, 10) + 2:.1f}" '
                        f'height="12" fill="#fff" fill-opacity="0.85"/>'
                        f'<text x="{tx}" y="{y + min(h, 22) / 2 + 4:.2f}" font-size="10">{e(shown)}</text>'
                    )
                y += h + gap
            front.append(f'<text x="{x}" y="{height + 14}" font-size="11">Round {number}</text>')
            nodes.append(placed)
        for column, ((number, votes, nt), (_, next_votes, _)) in enumerate(pairwise(rounds)):
            x0, x1 = 20 + column * col_w + node_w, 20 + (column + 1) * col_w
            out_used = {name: 0.0 for name in nodes[column]}
            in_used = {name: 0.0 for name in nodes[column + 1]}
            links: list[tuple[str | None, str | None, float]] = [(n, n, votes[n] * scale) for n in next_votes]
            links.append((None, None, nt * scale))
            sources = [s for s in votes if s not in next_votes]
            source_total = sum(votes[s] for s in sources) or 1
            for _, _, target, papers in (m for m in moves if m[0] == number and m[3] > 0):
                for source in sources:  # a batch of eliminated is shared out in proportion, for drawing only
                    links.append((source, target, papers * votes[source] / source_total * scale))
            for source, target, h in links:
                if h <= 0:
                    continue
                sy, ty = nodes[column][source][0] + out_used[source], nodes[column + 1][target][0] + in_used[target]
                out_used[source] += h
                in_used[target] += h
                xm = (x0 + x1) / 2
                fill = self.styles[source].colour if source else NT_COLOUR
                parts.append(
                    f'<path class="flow" d="M{x0},{sy:.2f} C{xm},{sy:.2f} {xm},{ty:.2f} {x1},{ty:.2f} '
                    f'L{x1},{ty + h:.2f} C{xm},{ty + h:.2f} {xm},{sy + h:.2f} {x0},{sy + h:.2f} Z" '
                    f'fill="{fill}" fill-opacity="{0.35 if source == target else 0.8}" stroke="#333" stroke-width="0.3"/>'
                )
        parts += front
        parts.append("</svg>")
        return "".join(parts)
