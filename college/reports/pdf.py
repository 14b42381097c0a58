"""The NEC report as a PDF (fpdf2), landscape A4: the HTML page's content in the same order,
with the same charts (college/charts.py's SVG, drawn by fpdf2).

Tables are the people's view (headers in words, thousands separated, no exact fractions).
Each column is at least as wide as its longest word, so a header or a name never breaks
inside a word: a table too wide for the page is set smaller, then split into parts that
repeat its first column. A heading is never left at the foot of a page: it moves to the next
page with the start of what it heads.

Names need a Unicode font: DejaVu Sans from Debian's fonts-dejavu-core is embedded when
it is installed. Without it the PDF falls back to a core font and transliterates names
to Latin-1 for the PDF only, and says so on its first page; the HTML, JSON and CSV
always hold names exactly.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from college.reports.charts import Charts
from college.reports.html import margin_sentences, round_charts, round_notes, section_flows
from college.reports.tables import WATERMARK, Report, Table, when

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
DIGEST = re.compile(r"^[0-9a-f]{40,}$")  # digests are shortened in the PDF's tables only; the text under them is whole
SIZES = (8.0, 7.0, 6.0, 5.5)  # table font sizes tried in turn
PAD = 0.9  # mm each side of a cell's text
PX = 0.2645833  # mm per SVG pixel (96 dpi)
NO_TEXT_ELEMENTS = re.compile(r"<title[^>]*>.*?</title>|<desc[^>]*>.*?</desc>", re.S)


def unicode_font() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def transliterate(text: str) -> str:
    """Latin-1 text for a core PDF font: accents dropped where they must be, '?' for the rest."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return plain.encode("latin-1", "replace").decode("latin-1")


class UnicodePDF(FPDF):
    """An A4 PDF writing in DejaVu Sans when installed (`family`), else a core font with `clean` transliterating."""

    def __init__(self, orientation: str = "P", font: tuple[Path, Path] | None = None):
        super().__init__(orientation=orientation, format="A4")
        if font:
            self.add_font("body", "", str(font[0]))
            self.add_font("body", "B", str(font[1]))
            self.family, self.clean = "body", str
        else:
            self.family, self.clean = "helvetica", transliterate


class _Document(UnicodePDF):
    def __init__(self, report: Report, font: tuple[Path, Path] | None):
        super().__init__("L", font)
        self.report = report
        self.set_auto_page_break(True, margin=14)
        self.set_margins(10, 12, 10)

    def text_of(self, value) -> str:
        text = "" if value is None else str(value)
        if DIGEST.match(text):
            text = text[:16] + "..."
        return self.clean(text)

    def header(self) -> None:
        if self.report.dry_run:
            self.set_font(self.family, "B", 72)
            self.set_text_color(225, 180, 180)
            with self.rotation(30, x=self.w / 2, y=self.h / 2):
                self.text(self.w / 2 - 70, self.h / 2 + 10, WATERMARK)
            self.set_xy(10, 4)
            self.set_font(self.family, "B", 9)
            self.set_text_color(176, 0, 0)
            self.cell(0, 6, f"{WATERMARK}: NOT A REAL RESULT", align="C")
            self.set_text_color(0, 0, 0)
            self.set_xy(10, 12)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.family, "", 7)
        mark = f"{WATERMARK} - " if self.report.dry_run else ""
        self.cell(0, 5, self.clean(f"{mark}{self.report.position}: {self.report.contest} - NEC report - page {self.page_no()}"), align="C")

    def room(self, height: float) -> None:
        """Start a new page unless `height` mm fit on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, size: int = 12, keep: float = 0.0) -> None:
        """A heading, kept on one page with the `keep` mm that follow it."""
        self.set_font(self.family, "B", size)
        self.room(self._lines(self.clean(text), self.epw - 2) * size * 0.5 + 1 + keep)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: float = 9) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def svg(self, svg: str, x: float, y: float, width_mm: float) -> float:
        """Draw one of the charts; returns its height in mm."""
        svg = NO_TEXT_ELEMENTS.sub("", svg)
        svg = re.sub(r'font-family="[^"]*"', f'font-family="{self.family}"', svg)
        if self.clean is not str:
            svg = self.clean(svg)
        w, h = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
        self.image(svg.encode("utf-8"), x=x, y=y, w=width_mm)
        return width_mm * h / w

    def figures(self, items: list[tuple[str, str]], per_row: int, width_mm: float, heading: str | None = None) -> None:
        """Charts side by side, `per_row` to a row, each with its caption; the heading kept with the first row."""
        for start in range(0, len(items), per_row):
            row = items[start:start + per_row]
            heights = []
            for svg, _ in row:
                w, h = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
                heights.append(width_mm * h / w)
            needed = max(heights) + 7
            if heading and start == 0:
                self.heading(heading, 11, keep=needed)
            else:
                self.room(needed)
            top = self.get_y()
            for i, (svg, caption) in enumerate(row):
                x = self.l_margin + i * (width_mm + 4)
                drawn = self.svg(svg, x, top, width_mm)
                self.set_xy(x, top + drawn + 0.5)
                self.set_font(self.family, "", 7)
                self.multi_cell(width_mm, 3.2, self.clean(caption))
            self.set_xy(self.l_margin, top + needed)

    def _widths(self, headers: list[str], rows: list[list[str]], size: float) -> list[float] | None:
        """Column widths at this size such that no word is broken, or None if they cannot fit."""
        def words(text: str) -> list[str]:
            return text.split() or [""]

        least, wanted = [], []
        for i, header in enumerate(headers):
            self.set_font(self.family, "B", size)
            low = max(self.get_string_width(w) for w in words(header))
            want = max(low, min(self.get_string_width(header), 40.0))
            self.set_font(self.family, "", size)
            for row in rows:
                cell = row[i]
                low = max(low, max(self.get_string_width(w) for w in words(cell)))
                want = max(want, min(self.get_string_width(cell), 70.0))
            least.append(low + 2 * PAD + 0.6)
            wanted.append(max(want, low) + 2 * PAD + 0.6)
        room = self.epw - 0.05
        if sum(least) > room:
            return None
        if sum(wanted) <= room:
            return wanted
        spare = (room - sum(least)) / (sum(wanted) - sum(least))
        return [lo + (wa - lo) * spare for lo, wa in zip(least, wanted)]

    def _lines(self, text: str, width: float) -> int:
        """How many lines `text` takes in `width` mm, broken at spaces only."""
        lines, used = 1, 0.0
        for word in text.split():
            size = self.get_string_width(word)
            if used and used + self.get_string_width(" ") + size > width:
                lines, used = lines + 1, size
            else:
                used += (self.get_string_width(" ") if used else 0) + size
        return lines

    def table_of(self, table: Table) -> None:
        headers, rows, numeric = table.people()
        rows = [[self.text_of(c) for c in row] for row in rows]
        headers = [self.clean(h) for h in headers]
        parts = [list(range(len(headers)))]
        size, widths = SIZES[-1], None
        for size in SIZES:
            widths = self._widths(headers, rows, size)
            if widths:
                break
        if widths is None:  # too wide even at the smallest size: parts that repeat the first column
            parts, current = [], [0]
            for i in range(1, len(headers)):
                trial = current + [i]
                if self._widths([headers[j] for j in trial], [[r[j] for j in trial] for r in rows], size) is None:
                    parts.append(current)
                    current = [0, i]
                else:
                    current = trial
            parts.append(current)
        for number, columns in enumerate(parts):
            cols = [headers[j] for j in columns]
            cells = [[r[j] for j in columns] for r in rows]
            widths = self._widths(cols, cells, size)
            title = table.title if len(parts) == 1 else f"{table.title} (part {number + 1} of {len(parts)})"
            line = size * 0.45
            self.set_font(self.family, "B", size)
            header_lines = max(self._lines(h, w - 2 * PAD) for w, h in zip(widths, cols))
            self.heading(title, 10, keep=(header_lines + min(len(cells), 3)) * (line + 2 * PAD) + 2)
            if not cells:
                self.para("none")
                self.ln(2)
                continue
            self.set_font(self.family, "", size)
            align = tuple("RIGHT" if numeric[j] else "LEFT" for j in columns)
            with self.table(
                col_widths=tuple(widths),
                width=sum(widths),
                align="LEFT",
                first_row_as_headings=True,
                headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                line_height=line,
                padding=PAD,
                text_align=align,
            ) as pdf_table:
                for values in [cols, *cells]:
                    row = pdf_table.row()
                    for value in values:
                        row.cell(value)
        if table.note:
            self.para(table.note, 7)
        self.ln(3)


def render_pdf(report: Report) -> bytes:
    font = unicode_font()
    pdf = _Document(report, font)
    charts = Charts(report.candidates)
    pdf.set_title(pdf.clean(f"NEC report: {report.position}: {report.contest}"))
    pdf.add_page()
    pdf.heading(f"{'DRY RUN - ' if report.dry_run else ''}NEC report: {report.position}: {report.contest}", 16)
    pdf.para(f"Declared {when(report.declared_at)} by {', '.join(report.declared_by)}.")
    if font is None:
        pdf.para("Names in this PDF are transliterated to Latin-1 (no Unicode font is installed); "
                 "the HTML, JSON and CSV reports hold them exactly.", 8)
    pdf.ln(2)
    pdf.heading(report.statement.text, 12)
    done = {"summary"}
    pdf.table_of(report.table("summary"))
    for round_ in report.statement.rounds:
        pdf.figures(round_charts(report, charts, round_), per_row=4, width_mm=64, heading=f"Round {round_.number}")
        pdf.table_of(report.table(f"round-{round_.number}"))
        for note in round_notes(round_):
            pdf.para(note)
        pdf.ln(2)
        done.add(f"round-{round_.number}")
    flows = section_flows(report, charts)
    if flows:
        pdf.figures(flows, per_row=1, width_mm=min(255.0, 0.3 * float(re.search(r'viewBox="0 0 ([\d.]+)', flows[0][0]).group(1))),
                    heading="Where each eliminated candidate's papers went")
        pdf.table_of(report.table("transfers"))
        done.add("transfers")
    if report.margins:
        pdf.heading("How close it was", 12, keep=20)
        for line in margin_sentences(report):
            pdf.para(line)
        pdf.ln(2)
        pdf.table_of(report.table("margins"))
        done.add("margins")
    for table in report.tables:
        if table.id not in done and table.for_people:
            pdf.table_of(table)
    pdf.para(f"Ledger head {report.ledger_head}. Result digest {report.result_digest}. "
             f"Declaration digest {report.declaration_digest}.", 7)
    return bytes(pdf.output())


def write_pdf(report: Report, path: Path) -> Path:
    path.write_bytes(render_pdf(report))
    return path
