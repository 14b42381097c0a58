"""`college count`: the command line DESIGN.md fixes, its output, and one clear line per error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from college.cli import app

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "2010-leader"
SECTIONS = [f"--section={sid}={EXAMPLE / sid}.json" for sid in ("plp", "members", "affiliates")]

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["count", *map(str, args)])


def one_error_line(result) -> str:
    """The command failed with exactly one line, `error: ...`, and no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def write_contest(folder: Path, tie_policy: str = '["refer"]', sections: int = 1) -> Path:
    ids = ["plp", "members", "affiliates"][:sections]
    weight = "1" if sections == 1 else f"1/{sections}"
    text = (
        'id = "t"\nposition = "Leader"\ncandidates = ["Ann", "Bob", "Cat"]\n'
        f"tie_policy = {tie_policy}\n"
        + "".join(f'[[sections]]\nid = "{i}"\nname = "{i}"\nweight = "{weight}"\n' for i in ids)
    )
    path = folder / "contest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_profile(path: Path, ballots: list[tuple[list[str], int]]) -> Path:
    data = {"candidates": ["Ann", "Bob", "Cat"], "ballots": [{"ranking": r, "count": n} for r, n in ballots]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- output -------------------------------------------------------------------------


def test_table_output_shows_each_round_and_the_winner():
    result = run(EXAMPLE / "contest.toml", *SECTIONS)
    assert result.exit_code == 0, result.output
    for number in (1, 2, 3, 4):
        assert f"Round {number}" in result.stdout
    assert "Ed Miliband is elected with 50.65% of the college in round 4." in result.stdout
    assert "49.35" in result.stdout


def test_json_output_is_the_result_model():
    result = run(EXAMPLE / "contest.toml", *SECTIONS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "elected" and data["winner"] == "Ed Miliband"
    assert [r["eliminated"] for r in data["rounds"]] == [["Diane Abbott"], ["Andy Burnham"], ["Ed Balls"], []]
    final = data["rounds"][-1]
    assert final["college"]["Ed Miliband"]["percent"] == "50.65"
    assert {s["id"] for s in final["sections"]} == {"plp", "members", "affiliates"}


def test_several_files_for_one_section_are_summed(tmp_path):
    members = json.loads((EXAMPLE / "members.json").read_text(encoding="utf-8"))
    first, second = dict(members), dict(members)
    # Split every distinct ranking's papers between two files (one per affiliate, say).
    first["ballots"] = [{**b, "count": b["count"] // 2} for b in members["ballots"] if b["count"] // 2]
    second["ballots"] = [{**b, "count": b["count"] - b["count"] // 2} for b in members["ballots"]]
    (tmp_path / "a.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(second), encoding="utf-8")
    split = run(
        EXAMPLE / "contest.toml", SECTIONS[0], SECTIONS[2],
        "--section", f"members={tmp_path / 'a.json'}", "--section", f"members={tmp_path / 'b.json'}",
        "--format", "json",
    )
    whole = run(EXAMPLE / "contest.toml", *SECTIONS, "--format", "json")
    assert split.exit_code == 0, split.output
    assert json.loads(split.stdout) == json.loads(whole.stdout)


def test_ballot_level_csv_is_counted_like_the_profile(tmp_path):
    contest = write_contest(tmp_path, '["candidate-order"]')
    csv = tmp_path / "plp.csv"
    csv.write_text("rank1,rank2,count\nAnn,,3\nBob,Ann,2\nCat,Bob,2\n", encoding="utf-8")
    result = run(contest, "--section", f"plp={csv}", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Bob and Cat tie on 2; candidate order eliminates Cat, whose papers go to Bob: 4 of 7.
    assert data["winner"] == "Bob"
    assert data["tie_breaks"][0]["method"] == "candidate-order"


# --- errors: one line each, never a traceback ----------------------------------------


def test_unknown_section_id(tmp_path):
    line = one_error_line(run(EXAMPLE / "contest.toml", *SECTIONS, f"--section=plpp={EXAMPLE / 'plp.json'}"))
    assert "'plpp'" in line and "plp, members, affiliates" in line


def test_section_option_without_a_path():
    line = one_error_line(run(EXAMPLE / "contest.toml", "--section", "plp"))
    assert "ID=PATH" in line


def test_a_section_left_out(tmp_path):
    line = one_error_line(run(EXAMPLE / "contest.toml", *SECTIONS[:2]))
    assert "no profile given for section 'affiliates'" in line


def test_missing_profile_file(tmp_path):
    missing = tmp_path / "nowhere.json"
    line = one_error_line(run(EXAMPLE / "contest.toml", *SECTIONS[:2], f"--section=affiliates={missing}"))
    assert str(missing) in line and "file not found" in line


def test_missing_contest_file(tmp_path):
    line = one_error_line(run(tmp_path / "nowhere.toml", *SECTIONS))
    assert "nowhere.toml" in line and "file not found" in line


def test_bad_toml(tmp_path):
    bad = tmp_path / "contest.toml"
    bad.write_text('id = "t"\ncandidates = ["Ann", \n', encoding="utf-8")
    line = one_error_line(run(bad, *SECTIONS))
    assert str(bad) in line and "not valid TOML" in line


def test_contest_that_breaks_a_rule(tmp_path):
    contest = write_contest(tmp_path, '["previous-rounds"]')
    line = one_error_line(run(contest, "--section", f"plp={tmp_path / 'x.json'}"))
    assert str(contest) in line and "tie_policy" in line


def test_unknown_candidate_in_a_csv_names_file_row_and_name(tmp_path):
    contest = write_contest(tmp_path)
    csv = tmp_path / "plp.csv"
    csv.write_text("rank1,rank2\nAnn,Bob\nBob,Ann\nCat,Zed Unknown\n", encoding="utf-8")
    line = one_error_line(run(contest, "--section", f"plp={csv}"))
    assert str(csv) in line
    assert "line 4" in line and "rank2" in line  # the header is line 1
    assert "'Zed Unknown'" in line


def test_unknown_candidate_in_a_profile_names_file_and_ballot(tmp_path):
    contest = write_contest(tmp_path)
    profile = write_profile(tmp_path / "plp.json", [(["Ann"], 2), (["Bob", "Zed"], 1)])
    line = one_error_line(run(contest, "--section", f"plp={profile}"))
    assert str(profile) in line and "ballots[1].ranking" in line and "'Zed'" in line


def test_bad_format_option():
    line = one_error_line(run(EXAMPLE / "contest.toml", *SECTIONS, "--format", "xml"))
    assert "--format" in line


# --- referred ties: exit 4, then resume with the committee's decision -------------------


@pytest.fixture
def referred(tmp_path):
    contest = write_contest(tmp_path, '["refer"]')
    profile = write_profile(tmp_path / "plp.json", [(["Ann"], 3), (["Bob"], 2), (["Cat", "Bob"], 2)])
    return contest, profile, tmp_path


def test_referred_tie_exits_4_naming_the_tied(referred):
    contest, profile, _ = referred
    result = run(contest, "--section", f"plp={profile}")
    assert result.exit_code == 4, result.output
    assert "DECISION NEEDED" in result.stdout and "Bob, Cat" in result.stdout
    data = json.loads(run(contest, "--section", f"plp={profile}", "--format", "json").stdout)
    assert data["status"] == "decision-needed" and data["decision_needed"]["tied"] == ["Bob", "Cat"]


def test_decisions_resume_a_referred_count(referred):
    contest, profile, folder = referred
    decisions = folder / "decisions.json"
    decisions.write_text(json.dumps([{"round": 1, "eliminate": "Cat", "note": "drawn at the meeting"}]), encoding="utf-8")
    result = run(contest, "--section", f"plp={profile}", "--decisions", decisions, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["winner"] == "Bob"  # Cat's papers go to Bob: 4 of 7
    assert data["tie_breaks"][0]["method"] == "refer"
    assert "drawn at the meeting" in data["tie_breaks"][0]["detail"]


def test_a_decision_naming_someone_not_tied_is_one_error_line(referred):
    contest, profile, folder = referred
    decisions = folder / "decisions.json"
    decisions.write_text(json.dumps([{"round": 1, "eliminate": "Ann"}]), encoding="utf-8")
    line = one_error_line(run(contest, "--section", f"plp={profile}", "--decisions", decisions))
    assert "'Ann'" in line and "not one of the tied candidates" in line


def test_a_malformed_decisions_file_is_one_error_line(referred):
    contest, profile, folder = referred
    decisions = folder / "decisions.json"
    decisions.write_text('[{"round": "first"}]', encoding="utf-8")
    line = one_error_line(run(contest, "--section", f"plp={profile}", "--decisions", decisions))
    assert str(decisions) in line


# --- the installed command, as `make run` calls it ------------------------------------


def test_installed_command_counts_the_example_and_errors_cleanly(tmp_path):
    college = Path(sys.executable).with_name("college")
    ok = subprocess.run([college, "count", EXAMPLE / "contest.toml", *SECTIONS], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Ed Miliband is elected with 50.65%" in ok.stdout
    bad = subprocess.run(
        [college, "count", EXAMPLE / "contest.toml", f"--section=nope={tmp_path}/x.json"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_every_command_is_listed_with_the_module_that_registers_it():
    # The script imports only the module COMMANDS names for a command: a command missing
    # from it, or listed under the wrong module, would not exist for the user.
    from college.cli import COMMANDS

    registered = {c.name or c.callback.__name__.replace("_", "-"): c.callback.__module__ for c in app.registered_commands}
    for group in app.registered_groups:
        (module,) = {c.callback.__module__ for c in group.typer_instance.registered_commands}
        registered[group.name] = module
    assert registered == {name: f"college.cli.{module}" for name, module in COMMANDS.items()}


def test_the_installed_count_loads_neither_prefect_nor_the_other_commands(tmp_path):
    loaded = tmp_path / "modules.txt"
    script = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(loaded)!r}, 'w').write('\\n'.join(sys.modules)))\n"
        "from college.cli import main\n"
        "main()\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script, "count", EXAMPLE / "contest.toml", *SECTIONS], capture_output=True, text=True
    )
    assert ran.returncode == 0 and "Ed Miliband is elected" in ran.stdout, ran.stderr
    modules = set(loaded.read_text().split())
    assert "college.cli.count" in modules and "college.count.rules" in modules
    assert not {m for m in modules if m.split(".")[0] == "prefect" or m in ("college.cli.declare", "college.ceremony")}
    listed = subprocess.run([Path(sys.executable).with_name("college"), "--help"], capture_output=True, text=True)
    assert all(f" {name} " in listed.stdout for name in ("count", "dry-run", "ledger", "return", "nominations"))
