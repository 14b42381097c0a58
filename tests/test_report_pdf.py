"""The NEC report's PDF as a reader sees it: every page rendered to an image by pdftoppm
(Debian's poppler-utils; `make test` installs it when missing), the charts found on the pages
of the rounds and of the transfers, no header broken inside a word, no heading left at the
foot of a page. The page images go to tests/artifacts/ (or $COLLEGE_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from college.reports.charts import COLOURS
from college.reports.tables import build_report
from college.reports.publish import write_reports
from tests.test_reports import declaration_2010, small_declaration

ARTIFACTS = Path(os.environ.get("COLLEGE_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
TOOLS = ("pdftoppm", "pdftotext")


@pytest.fixture(scope="module", autouse=True)
def poppler():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: `make test` installs Debian's poppler-utils when apt-get is at hand")


def _pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _render(pdf: Path, stem: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "45", "-png", str(pdf), str(ARTIFACTS / stem)], check=True)
    pages = sorted(ARTIFACTS.glob(f"{stem}-*.png"))
    print(f"pages: {pages[0]} ... {pages[-1]}")
    return pages


def _chart_pixels(page: Path) -> int:
    """Pixels in the candidates' colours: the charts' bars, nodes and flows."""
    wanted = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in COLOURS[:5]]
    data = Image.open(page).convert("RGB").tobytes()
    return sum(
        1 for i in range(0, len(data), 3)
        if any(abs(data[i] - r) + abs(data[i + 1] - g) + abs(data[i + 2] - b) < 60 for r, g, b in wanted)
    )


@pytest.fixture(scope="module")
def pdf_2010(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    write_reports(declaration_2010(), folder, ["pdf"])
    return folder / "nec-report.pdf"


def test_every_round_and_the_transfers_carry_their_charts(pdf_2010):
    pages = _render(pdf_2010, "nec-report-2010-page")
    texts = _pages_text(pdf_2010)
    assert len(pages) == len(texts) >= 5
    coloured = [_chart_pixels(page) for page in pages]
    for number in range(1, 5):  # each round's heading starts its charts, on the same page
        page = next(i for i, t in enumerate(texts) if re.search(rf"^\s*Round {number}\s*$", t, re.M))
        assert coloured[page] > 150, (number, coloured)
    flows = next(i for i, t in enumerate(texts) if "Where each eliminated candidate's papers went" in t)
    assert coloured[flows] > 2000  # the flow diagrams are large blocks of colour
    assert min(coloured) == 0  # and a page of tables has none: the measure tells charts from text


def _header_words(report) -> set[str]:
    return {word for table in report.tables if table.for_people for header in table.people()[0] for word in header.split()
            if len(word) >= 5 and word.isalpha()}


def test_no_header_breaks_inside_a_word(pdf_2010, tmp_path):
    write_reports(small_declaration(), tmp_path, ["pdf"])
    for pdf, declaration in ((pdf_2010, declaration_2010()), (tmp_path / "nec-report.pdf", small_declaration())):
        words = _header_words(build_report(declaration, "nec")) | set(declaration.result.candidates[0].split())
        tokens = {t for page in _pages_text(pdf) for t in re.findall(r"[A-Za-zÀ-ž%]+", page)}
        assert {"section", "college", "Papers"} & tokens
        broken = [(w[:k], w[k:]) for w in words for k in range(2, len(w) - 1)
                  if w[:k] in tokens and w[k:] in tokens and w not in tokens]
        assert broken == [], broken


def test_no_heading_is_left_at_the_foot_of_a_page(pdf_2010):
    report = build_report(declaration_2010(), "nec")
    headings = {t.title for t in report.tables if t.for_people} | {f"Round {r.number}" for r in report.statement.rounds}
    headings |= {"How close it was", "Where each eliminated candidate's papers went"}
    for number, text in enumerate(_pages_text(pdf_2010), start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines if "NEC report - page" not in line]
        assert body and body[-1] not in headings, (number, body[-1])
