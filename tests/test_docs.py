"""The manual (docs/, MkDocs Material) builds with --strict: a broken link, a page
missing from the navigation or a schema the file formats page does not link fails; the
command reference holds every command; the complete contest file it shows is valid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_manual_builds_strict(tmp_path):
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert (site / "index.html").is_file()
    # The hook publishes every schema beside the pages that link it.
    published = {path.name for path in (site / "schemas").glob("*.schema.json")}
    assert published == {path.name for path in (ROOT / "schemas").glob("*.schema.json")}
    # The hook writes every command into the commands page, options and all.
    from college.cli import COMMANDS

    commands = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f'id="college-{name}"' not in commands]
    assert not missing, f"commands missing from the reference: {missing}"
    assert 'id="college-return-build"' in commands and "--breakdown-column" in commands


def test_every_schema_is_linked_from_the_file_formats_page():
    page = (ROOT / "docs" / "reference" / "file-formats.md").read_text(encoding="utf-8")
    missing = [p.name for p in sorted((ROOT / "schemas").glob("*.schema.json")) if f"../schemas/{p.name})" not in page]
    assert not missing, f"docs/reference/file-formats.md does not link: {', '.join(missing)}"


def test_the_complete_contest_file_is_complete_and_valid():
    """docs/contest-file.md shows this file: everything from the returns to the declaration."""
    from college.dry_run.rehearsal import SEED_003_ROLES
    from college.contest import load_contest

    complete = load_contest(ROOT / "examples" / "2010-leader" / "complete-contest.toml")
    counted = load_contest(ROOT / "examples" / "2010-leader" / "contest.toml")
    assert complete.candidates == counted.candidates and complete.sections[0].id == counted.sections[0].id
    assert [(s.id, s.weight) for s in complete.sections] == [(s.id, s.weight) for s in counted.sections]
    assert {body.section for body in complete.register} == {s.id for s in complete.sections}
    assert complete.returns_deadline and complete.count_public_key and complete.declaration_public_key
    assert complete.committee is not None and complete.committee.quorum == 3
    assert [m.id for m in complete.committee.members] == [role_id for role_id, _ in SEED_003_ROLES]
    page = (ROOT / "docs" / "contest-file.md").read_text(encoding="utf-8")
    assert "examples/2010-leader/complete-contest.toml" in page


def test_the_contest_file_page_names_every_key():
    """A key added to the contest file's model must be documented on its page."""
    from college.contest import Contest

    page = (ROOT / "docs" / "contest-file.md").read_text(encoding="utf-8")
    missing = [name for name in Contest.model_fields if f"`{name}`" not in page and f"`[{name}]`" not in page and f"`[[{name}]]`" not in page]
    assert not missing, f"docs/contest-file.md does not document: {missing}"
