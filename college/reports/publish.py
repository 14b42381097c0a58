"""The reports written to files: JSON, CSV, HTML and PDF, for the public and for the NEC, and the
exports other counting tools read (college/exports/).

The content is built once (college/reports/tables.py); each format only lays it out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from college.declaration import Declaration
from college.errors import CollegeError
from college.exports import write_exports
from college.reports.html import render_html
from college.reports.pdf import write_pdf
from college.reports.tables import WATERMARK, Report, Table, build_report

FORMATS = ("html", "pdf", "json", "csv", "exports")


def write_json(report: Report, path: Path) -> Path:
    path.write_text(json.dumps(report.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_csv(report: Report, folder: Path) -> list[Path]:
    """One CSV per table; a dry run's carry a first column `watermark` reading DRY RUN on every row."""
    folder.mkdir(parents=True, exist_ok=True)
    mark = [WATERMARK] if report.dry_run else []
    paths = []
    for table in report.tables:
        path = folder / f"{table.id}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow((["watermark"] if mark else []) + table.columns)
            writer.writerows(mark + ["" if cell is None else cell for cell in row] for row in table.rows)
        paths.append(path)
    return paths


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = next((f for f in formats if f not in FORMATS), None)
    if unknown or not formats:
        raise CollegeError(f"--format takes a comma-separated list of {', '.join(FORMATS)}; got {text!r}", field="--format")
    return formats


def write_reports(
    declaration: Declaration, out: str | Path, formats: Iterable[str] = FORMATS, nec_extra: Sequence[Table] = ()
) -> list[Path]:
    """The public report and the NEC report (with `nec_extra` tables) in each format asked for; returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    formats = list(formats)
    public, nec = build_report(declaration, "public"), build_report(declaration, "nec", nec_extra)
    written: list[Path] = []
    if "json" in formats:
        written += [write_json(public, out / "report.json"), write_json(nec, out / "nec-report.json")]
    if "csv" in formats:
        written += write_csv(nec, out / "csv")
    if "html" in formats:
        for report, name in ((public, "report.html"), (nec, "nec-report.html")):
            (out / name).write_text(render_html(report), encoding="utf-8")
            written.append(out / name)
    if "pdf" in formats:
        written.append(write_pdf(nec, out / "nec-report.pdf"))
    if "exports" in formats:
        written += write_exports(declaration, out / "exports").files
    return written

