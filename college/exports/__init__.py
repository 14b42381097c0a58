"""Results other tools read, written after the declaration from the declared profiles and result.

- BLT (`blt.py`), the format OpenSTV, OpaVote and Droop read: one file per section (a one-section
  contest's file is the whole election);
- PrefLib (`preflib.py`): one `.soi` per section (strict orders, incomplete), or `.toi` where a
  paper's overvote must be kept as a tie;
- a round-by-round summary in the shape RCTab writes (`rctab.py`), for RCVis: one for the
  college (shares in %) and one per section (papers).

Every paper is written as the count read it (`papers.py`), so another tool counting the file
with the same eliminations gets the section's figures round by round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from college.declaration import Declaration
from college.exports.blt import blt_text
from college.exports.papers import SectionPapers, section_papers
from college.exports.preflib import preflib_text
from college.exports.rctab import college_summary, section_summary, summary_text


@dataclass
class Exports:
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_exports(declaration: Declaration, folder: Path) -> Exports:
    folder.mkdir(parents=True, exist_ok=True)
    contest = declaration.contest
    out = Exports()
    stem = _slug(declaration.contest_id)

    def write(name: str, text: str) -> None:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        out.files.append(path)

    if declaration.result.rounds:
        write(f"{stem}-summary.json", summary_text(college_summary(declaration)))
    for section in contest.sections:
        papers: SectionPapers = section_papers(declaration, section.id)
        name = f"{stem}-{_slug(section.id)}"
        if papers.strict:
            write(f"{name}.blt", blt_text(declaration, papers))
        else:
            out.notes.append(
                f"{section.name}: no BLT file: {papers.tied:,} papers carry an overvote read by "
                "exhaust-if-multiple-continuing, which a strict order cannot hold; the PrefLib .toi keeps them as ties"
            )
        write(f"{name}.{'soi' if papers.strict else 'toi'}", preflib_text(declaration, papers))
        if declaration.result.rounds:
            write(f"{name}-summary.json", summary_text(section_summary(declaration, section.id)))
    mark = "DRY RUN: a rehearsal, not a real result\n\n" if declaration.dry_run else ""
    listing = "".join(f"{path.name}\n" for path in out.files)
    notes = "".join(f"\nNote: {note}\n" for note in out.notes)
    write("README.txt", f"{mark}{declaration.contest_id}: the declared papers and rounds for other tools "
                        f"(BLT, PrefLib, RCTab-shaped summaries).\n\n{listing}{notes}")
    return out
