"""The NEC report as a PDF (fpdf2), landscape A4, every table of the report in turn.

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

from college.reports.tables import WATERMARK, Report, Table

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
DIGEST = re.compile(r"^[0-9a-f]{40,}$")  # digests are shortened in the PDF's tables only; the text under them is whole


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


class _Document(FPDF):
    def __init__(self, report: Report, font: tuple[Path, Path] | None):
        super().__init__(orientation="L", format="A4")
        self.report = report
        if font:
            self.add_font("body", "", str(font[0]))
            self.add_font("body", "B", str(font[1]))
            self.family, self.clean = "body", str
        else:
            self.family, self.clean = "helvetica", transliterate
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

    def heading(self, text: str, size: int = 12) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: int = 9) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 4.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def table_of(self, table: Table) -> None:
        self.heading(table.title, 10)
        if not table.rows:
            self.para("none")
            self.ln(2)
            return
        size = 8 if len(table.columns) <= 8 else 6.5 if len(table.columns) <= 14 else 5.5
        self.set_font(self.family, "", size)
        with self.table(
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            line_height=size * 0.5,
            text_align="LEFT",
        ) as pdf_table:
            for row in [table.columns, *table.rows]:
                line = pdf_table.row()
                for cell in row:
                    line.cell(self.text_of(f"{cell:,}" if isinstance(cell, int) else cell))
        if table.note:
            self.para(table.note, 7)
        self.ln(3)


def render_pdf(report: Report) -> bytes:
    font = unicode_font()
    pdf = _Document(report, font)
    pdf.set_title(pdf.clean(f"NEC report: {report.position}: {report.contest}"))
    pdf.add_page()
    pdf.heading(f"{'DRY RUN - ' if report.dry_run else ''}NEC report: {report.position}: {report.contest}", 16)
    pdf.para(f"Declared {report.declared_at.isoformat()} by {', '.join(report.declared_by)}.")
    if font is None:
        pdf.para("Names in this PDF are transliterated to Latin-1 (no Unicode font is installed); "
                 "the HTML, JSON and CSV reports hold them exactly.", 8)
    pdf.ln(2)
    pdf.heading(report.statement.text, 12)
    for round_ in report.statement.rounds:
        for note in [f"Round {round_.number}: eliminated {', '.join(round_.eliminated)}"] if round_.eliminated else []:
            pdf.para(note)
        if round_.tie_break:
            t = round_.tie_break
            pdf.para(f"Round {t.round}: tie between {', '.join(t.tied)}; {t.eliminated} eliminated by {t.method.value} ({t.detail})")
    pdf.ln(2)
    for table in report.tables:
        pdf.table_of(table)
    pdf.para(f"Ledger head {report.ledger_head}. Result digest {report.result_digest}. "
             f"Declaration digest {report.declaration_digest}.", 7)
    return bytes(pdf.output())


def write_pdf(report: Report, path: Path) -> Path:
    path.write_bytes(render_pdf(report))
    return path
