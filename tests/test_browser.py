"""The HTML report in a real browser: Debian's headless Chromium, driven by Selenium.

The charts must render (every SVG and every bar has a size on the page), the round tables
must hold the engine's figures, the rounds at a glance come first, no figure sits on the 50%
line, the page is never wider than a 390-pixel phone, and a DRY RUN page must show its banner.
Screenshots at 1280 and 390 pixels go to tests/artifacts/ (or $COLLEGE_TEST_ARTIFACTS) and
their paths are printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from college.reports.publish import write_reports
from tests.test_reports import declaration_2010, small_declaration

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("COLLEGE_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed and could not be: "
            "`make test` installs them with apt-get when it is available and run as root"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(15)
    yield driver
    driver.quit()


def _screenshot(driver, name: str, width: int = 1280) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 100, 9000))
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


SIZES = """
return Array.from(document.querySelectorAll(arguments[0])).map(el => {
  const box = el.getBoundingClientRect(); return [box.width, box.height];
});
"""

ROUND_CELLS = """
const out = {};
for (const row of document.querySelectorAll('#table-round-' + arguments[0] + ' tr[data-candidate]')) {
  const cells = {};
  for (const td of row.querySelectorAll('td[data-figure]')) {
    cells[(td.dataset.section || 'college') + ':' + td.dataset.figure] = td.textContent.trim();
  }
  out[row.dataset.candidate] = cells;
}
return out;
"""


def test_the_2010_report_renders_its_charts_and_tables(browser, tmp_path):
    declaration = declaration_2010()
    write_reports(declaration, tmp_path, ["html"])
    browser.get((tmp_path / "report.html").as_uri())

    charts = browser.execute_script(SIZES, "svg.chart")
    rounds = declaration.result.rounds
    assert len(charts) == len(rounds) * 4 + 3  # per round: college + 3 sections; a Sankey per section
    assert all(w > 100 and h > 50 for w, h in charts), charts
    bars = browser.execute_script(SIZES, "svg.chart g.bar rect")
    assert len(bars) == sum(len(r.continuing) * 4 for r in rounds)
    assert all(w > 0 and h > 0 for w, h in bars)
    flows = browser.execute_script(SIZES, "svg.sankey path.flow")
    assert flows and all(w > 0 and h > 0 for w, h in flows)

    # The winner's final bar is drawn to scale: 50.65% of the 290-unit axis, as the chart is scaled on the page.
    final = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.bars')).map(s => s.querySelector('title').textContent)"
    ).index(f"Round {rounds[-1].number}: college shares")
    widths, scale = browser.execute_script(
        "const svg = document.querySelectorAll('svg.bars')[arguments[0]];"
        "return [Array.from(svg.querySelectorAll('g.bar rect')).map(r => r.getBoundingClientRect().width),"
        " svg.getBoundingClientRect().width / svg.viewBox.baseVal.width]",
        final,
    )
    shares = [float(rounds[-1].college[name].fraction) for name in rounds[-1].continuing]
    assert widths == pytest.approx([290 * scale * s for s in shares], abs=1.0)

    for round_ in rounds:
        cells = browser.execute_script(ROUND_CELLS, round_.number)
        assert set(cells) == set(round_.continuing)
        for name in round_.continuing:
            assert cells[name]["college:college"] == round_.college[name].percent
            for section in round_.sections:
                assert cells[name][f"{section.id}:votes"] == f"{section.votes[name]:,}"
                assert cells[name][f"{section.id}:share"] == section.shares[name].percent
    assert browser.find_element("id", "statement").text.endswith("with 50.65% of the Electoral College in round 4.")
    assert _screenshot(browser, "report-2010-1280.png").stat().st_size > 10_000


FIRST_TABLE = """
const statement = document.getElementById('statement');
const tables = Array.from(document.querySelectorAll('table'));
const after = tables.filter(t => statement.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
return [tables[0].id, after[0].id, after[0].getBoundingClientRect().top - statement.getBoundingClientRect().bottom];
"""

# Every figure on a chart with a 50% line, and whether its box crosses the line.
ON_THE_LINE = """
const out = [];
for (const svg of document.querySelectorAll('svg.bars')) {
  const lines = Array.from(svg.querySelectorAll('line.threshold')).map(l => l.getBoundingClientRect().left);
  if (!lines.length) continue;
  const x = lines[0];
  for (const t of svg.querySelectorAll('text.value, text.name')) {
    const box = t.getBoundingClientRect();
    if (box.left - 1 < x && x < box.right + 1) out.push(t.textContent);
  }
}
return out;
"""

OVERFLOW = """
const width = document.documentElement.clientWidth;
const cut = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const box = svg.getBoundingClientRect();
  const scroller = svg.closest('.scroll');
  if (scroller) {  // a flow diagram scrolls sideways in its own box: all of it must be reachable
    if (scroller.getBoundingClientRect().right > width + 0.5 || scroller.scrollWidth < box.width - 0.5) cut.push(svg.id);
  } else if (box.left < -0.5 || box.right > width + 0.5) {
    cut.push(svg.querySelector('title').textContent);
  }
}
return [document.documentElement.scrollWidth, width, cut];
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_rounds_at_a_glance_come_first_and_the_page_fits_the_screen(browser, tmp_path, width):
    write_reports(declaration_2010(), tmp_path, ["html"])
    write_reports(small_declaration(), tmp_path / "nec", ["html"])
    browser.set_window_size(width, 900)
    try:
        for page in (tmp_path / "report.html", tmp_path / "nec" / "nec-report.html"):
            browser.get(page.as_uri())
            first, after_statement, gap = browser.execute_script(FIRST_TABLE)
            assert first == after_statement == "table-summary" and gap < 120
            assert browser.execute_script(ON_THE_LINE) == []
            scroll_width, client_width, cut = browser.execute_script(OVERFLOW)
            assert scroll_width <= client_width <= width and cut == [], (page.name, scroll_width, cut)
            if width == 390:  # the long tables scroll within themselves
                wrapped = browser.execute_script(
                    "return Array.from(document.querySelectorAll('table')).filter(t => !t.closest('.wrap')).length")
                assert wrapped == 0
        _screenshot(browser, f"nec-report-{width}.png", width)
        browser.get((tmp_path / "report.html").as_uri())
        assert _screenshot(browser, f"report-2010-{width}.png", width).stat().st_size > 10_000
    finally:
        browser.set_window_size(1280, 1600)


def test_a_dry_run_page_shows_its_banner(browser, tmp_path):
    write_reports(small_declaration(dry_run=True), tmp_path, ["html"])
    browser.get((tmp_path / "nec-report.html").as_uri())
    banner = browser.find_element("id", "dry-run")
    assert banner.is_displayed() and "DRY RUN" in banner.text
    returns = browser.find_element("id", "table-nec-returns").text
    assert "signature does not verify with the registered key" in returns
    assert "Diane <script>" in browser.find_element("id", "table-ballots-plp").text
    _screenshot(browser, "nec-report-dry-run.png")
