"""`college meeting`: the two example meetings run by one command, the record, the sheets, and refusals."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from college.cli import app
from college.ledger import Ledger
from college.meeting.record import load_record
from college.store import store_from

REPO = Path(__file__).resolve().parent.parent
RIVERSIDE = REPO / "examples" / "selection-riverside"
NORTHFIELD = REPO / "examples" / "selection-northfield"

runner = CliRunner()


def college(*args) -> object:
    return runner.invoke(app, ["meeting", *map(str, args)])


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_riverside_two_part_ballot_runs_from_one_command(tmp_path):
    record = tmp_path / "record"
    result = college("run", RIVERSIDE / "selection.toml", RIVERSIDE / "tallies.toml", "--record", record, "--sheets", tmp_path / "s.pdf")
    assert result.exit_code == 0, result.output
    assert "Rule 9: Aisha Begum has an overall majority and is selected" in result.output
    assert "Outcome (rule 11): Aisha Begum, Bridget O'Neill and David Okafor are selected for Riverside" in " ".join(result.output.split())
    meeting, rounds = load_record(store_from(record))
    assert rounds == 4 and meeting.selected == ("Aisha Begum", "Bridget O'Neill", "David Okafor")
    assert [b.part for b in meeting.ballots] == ["part-one", "part-two"]
    # Every round in the ledger, and the ledger verifies.
    ledger = Ledger(store_from(record))
    assert [e.event for e in ledger.entries()] == ["meeting-opened"] + ["meeting-round"] * 4
    assert ledger.verify() == []
    assert ledger.entries()[-1].reasons == ["rule 11: selected"]


def test_northfield_separate_tie_ballot_runs_from_one_command(tmp_path):
    result = college("run", NORTHFIELD / "selection.toml", NORTHFIELD / "tallies.toml")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Rule 12: Imran Shah and Jane Morris tie at the bottom" in text
    assert "Rule 12: Jane Morris eliminated by the separate ballot" in text
    assert "Outcome (rule 9): Grace Adeyemi is selected for Northfield" in text


def test_tellers_enter_round_by_round_and_a_sheet_is_printed(tmp_path):
    record = tmp_path / "record"
    assert college("open", NORTHFIELD / "selection.toml", "--present", 31, "--record", record).exit_code == 0
    votes = ["--votes", "Grace Adeyemi=12", "--votes", "Hassan Ali=8", "--votes", "Imran Shah=5", "--votes", "Jane Morris=5"]
    result = college("round", "--record", record, "--returned", 31, "--spoilt", 1, *votes)
    assert result.exit_code == 0, result.output
    assert "separate ballot (rule 12) of Imran Shah, Jane Morris" in " ".join(result.output.split())
    # A vote for someone not on the separate ballot's paper is refused with its rule, and nothing is recorded.
    bad = college("round", "--record", record, "--returned", 31, "--votes", "Imran Shah=17", "--votes", "Grace Adeyemi=14")
    assert "not on this paper" in one_error_line(bad)
    assert load_record(store_from(record))[1] == 1
    shown = college("show", "--record", record, "--format", "json")
    assert json.loads(shown.output)["ballots"][0]["next"]["kind"] == "separate"
    pdf = tmp_path / "sheet.pdf"
    assert college("sheet", "--record", record, "--out", pdf, "--round", 1).exit_code == 0
    from pypdf import PdfReader

    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "Round 1" in text and "Grace Adeyemi" in text and "Rule 12" in text
    assert "1 round(s)" in one_error_line(college("sheet", "--record", record, "--out", pdf, "--round", 2))


def test_round_sheets_render_to_images(tmp_path):
    pdf = tmp_path / "sheets.pdf"
    assert college("run", RIVERSIDE / "selection.toml", RIVERSIDE / "tallies.toml", "--sheets", pdf).exit_code == 0
    if not Path("/usr/bin/pdftoppm").exists():
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-r", "30", "-png", pdf, tmp_path / "page"], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == 4


def test_a_meeting_without_a_quorum_is_deferred(tmp_path):
    result = college("open", NORTHFIELD / "selection.toml", "--present", 14, "--record", tmp_path / "r")
    assert result.exit_code == 0
    assert "deferred to a joint meeting" in " ".join(result.output.split())
    votes = ["--votes", "Grace Adeyemi=7", "--votes", "Hassan Ali=7"]
    assert "deferred" in one_error_line(college("round", "--record", tmp_path / "r", "--returned", 14, *votes))


def test_a_record_holds_one_meeting(tmp_path):
    assert college("open", NORTHFIELD / "selection.toml", "--present", 31, "--record", tmp_path / "r").exit_code == 0
    assert "already holds a meeting" in one_error_line(college("open", RIVERSIDE / "selection.toml", "--present", 40, "--record", tmp_path / "r"))


def test_bad_files_get_one_line_naming_file_and_field(tmp_path):
    selection = tmp_path / "selection.toml"
    selection.write_text('ward = "W"\nseats = 1\nquorum = 5\n[[nominees]]\nname = "A"\n[[nominees]]\nname = "A"\n', encoding="utf-8")
    assert "shortlisted once" in one_error_line(college("open", selection, "--present", 9, "--record", tmp_path / "r"))
    tallies = tmp_path / "tallies.toml"
    tallies.write_text(
        'present = 31\n[[rounds]]\nreturned = 31\nvotes = { "Grace Adeyemi" = 40, "Hassan Ali" = 0, "Imran Shah" = 0, "Jane Morris" = 0 }\n',
        encoding="utf-8",
    )
    line = one_error_line(college("run", NORTHFIELD / "selection.toml", tallies))
    assert str(tallies) in line and "rounds.1.votes" in line and "rules 7a, 8b" in line
    assert "--votes takes NAME=NUMBER" in one_error_line(
        college("round", "--record", tmp_path / "r", "--returned", 3, "--votes", "nobody")
    )


@pytest.mark.parametrize("typed", ["²", "3²", "١٢"])
def test_a_vote_in_digits_other_than_0_to_9_is_refused_in_one_line(tmp_path, typed):
    """str.isdigit() took "²", on which int() raised: 'unexpected ValueError' rather than the rule (the tellers'
    page takes 0-9 only, and so does this)."""
    assert "--votes takes NAME=NUMBER" in one_error_line(
        college("round", "--record", tmp_path / "r", "--returned", 3, "--votes", f"Grace Adeyemi={typed}")
    )
