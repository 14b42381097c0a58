"""The scrutineer's commands, end to end: keygen, build, check, seal, verify; one clear line for each failure."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from typer.testing import CliRunner

from college.cli import app
from college.contest import load_contest
from college.returns import check_submission, read_return, section_profile
from college.signing import read_private_key

PASSPHRASE = {"COLLEGE_KEY_PASSPHRASE": "correct horse battery staple"}
CANDIDATES = ["Ann Example", "Bob Example", "Cat Example"]

CONTEST = """
id = "2026-leader"
position = "Leader"
candidates = ["Ann Example", "Bob Example", "Cat Example"]
lot_seed = "fixed"
returns_deadline = {deadline}
count_public_key = "{count_key}"

[[sections]]
id = "members"
name = "Individual members"
weight = "1/2"

[[sections]]
id = "affiliates"
name = "Affiliated organisations"
weight = "1/2"

[[register]]
id = "fabian-readers"
name = "Fabian Readers"
kind = "socialist_society"
section = "affiliates"
certified_members = 9000
declaration_required = true
scrutineer = "Jo Bloggs"
public_key = "{signing_key}"

[[register]]
id = "ballot-members"
name = "Members' ballot"
kind = "party_ballot"
section = "members"
certified_members = 500
declaration_required = false
scrutineer = "Balloting Organisation"
public_key = "{members_key}"
"""


def run(*args, env=PASSPHRASE, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, input=input)


def _public(output: str) -> str:
    return re.search(r'public_key = "([^"]+)"', output).group(1)


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A scrutineer's folder: keys made with the command, a contest file naming them, ballot data."""
    monkeypatch.chdir(tmp_path)
    signing = run("keygen", "scrutineer.key")
    members = run("keygen", "members.key")
    count = run("keygen", "--count", "count.key")
    assert signing.exit_code == members.exit_code == count.exit_code == 0, signing.output
    (tmp_path / "contest.toml").write_text(
        CONTEST.format(
            deadline=(datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            count_key=_public(count.output),
            signing_key=_public(signing.output),
            members_key=_public(members.output),
        )
    )
    papers = [["Ann Example", "Bob Example", ""]] * 4_171 + [["Cat Example", "", ""]] * 3_929 + [["", "", ""]] * 3
    pl.DataFrame({f"rank{i + 1}": [p[i] for p in papers] for i in range(3)}).write_parquet(tmp_path / "ballots.parquet")
    return tmp_path


def test_keygen_protects_the_key_and_never_overwrites(desk):
    key = read_private_key(desk / "scrutineer.key", PASSPHRASE["COLLEGE_KEY_PASSPHRASE"])
    assert key is not None and (desk / "scrutineer.key").stat().st_mode & 0o777 == 0o600
    again = run("keygen", "scrutineer.key")
    assert again.exit_code == 2 and "never overwritten" in again.output


def test_keygen_prompts_for_the_passphrase_twice(tmp_path, monkeypatch):
    monkeypatch.setattr("college.cli.application.at_terminal", lambda: True)  # as a person at a terminal
    result = run("keygen", tmp_path / "k.key", env={"COLLEGE_KEY_PASSPHRASE": ""}, input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert read_private_key(tmp_path / "k.key", "s3cret") is not None


def test_the_three_commands_make_a_return_the_count_accepts(desk):
    built = run(
        "return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "ballots.parquet",
        "--issued", 9000, "--returned", 8130, "--spoilt", 10, "--ineligible", 17, "--out", "return.json",
    )
    assert built.exit_code == 0, built.output
    assert "3 papers in the data have no valid first preference" in built.output
    checked = run("return", "check", "contest.toml", "return.json")
    assert checked.exit_code == 0 and "no problems found" in checked.output
    sealed = run("return", "seal", "contest.toml", "return.json", "--key", "scrutineer.key")
    assert sealed.exit_code == 0, sealed.output
    data = (desk / "return.sealed").read_bytes()
    assert b"Ann Example" not in data and b"4171" not in data

    verified = run("return", "verify", "contest.toml", "return.sealed")
    assert verified.exit_code == 0 and "the envelope verifies" in verified.output
    opened = run("return", "verify", "contest.toml", "return.sealed", "--count-key", "count.key")
    assert opened.exit_code == 0 and "passes every rule" in opened.output
    assert not re.search(r"\b4,?171\b", opened.output) and "Ann Example" not in opened.output

    contest = load_contest(desk / "contest.toml")
    count_key = read_private_key(desk / "count.key", PASSPHRASE["COLLEGE_KEY_PASSPHRASE"])
    verdict = check_submission(data, contest, count_key, datetime.now(UTC))
    assert verdict.accepted
    assert section_profile([verdict.ret]).rankings == {
        (("Ann Example",), ("Bob Example",)): 4_171,
        (("Cat Example",),): 3_929,
    }
    assert verdict.ret.spoilt == 13


def test_breakdown_keys_label_each_file(desk):
    pl.DataFrame({"rank1": ["Ann Example"] * 3}).write_csv(desk / "ashford.csv")
    pl.DataFrame({"rank1": ["Bob Example"] * 2}).write_csv(desk / "barrow.csv")
    built = run(
        "return", "build", "contest.toml", "--affiliate", "ballot-members", "--data", "ashford=ashford.csv",
        "--data", "barrow=barrow.csv", "--issued", 500, "--returned", 5, "--out", "members.json",
    )
    assert built.exit_code == 0, built.output
    rows = {(row.breakdown, row.count) for row in read_return(desk / "members.json").profile}
    assert rows == {("ashford", 3), ("barrow", 2)}


def test_check_lists_every_problem_and_exits_non_zero(desk):
    run(
        "return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "ballots.parquet",
        "--issued", 8990, "--returned", 9100, "--out", "bad.json",
    )
    checked = run("return", "check", "contest.toml", "bad.json")
    assert checked.exit_code == 1
    for rule in ("declaration-missing", "issued-not-certified", "returned-arithmetic"):
        assert f"[{rule}]" in checked.output
    refused = run("return", "seal", "contest.toml", "bad.json", "--key", "scrutineer.key")
    assert refused.exit_code == 2 and "fix them before sealing" in refused.output
    assert not (desk / "bad.sealed").exists()


def test_sealing_needs_the_registered_key_and_its_passphrase(desk):
    run(
        "return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "ballots.parquet",
        "--issued", 9000, "--returned", 8130, "--spoilt", 10, "--ineligible", 17, "--out", "return.json",
    )
    wrong_key = run("return", "seal", "contest.toml", "return.json", "--key", "members.key")
    assert wrong_key.exit_code == 2 and "not the one registered" in wrong_key.output
    wrong_phrase = run(
        "return", "seal", "contest.toml", "return.json", "--key", "scrutineer.key",
        env={"COLLEGE_KEY_PASSPHRASE": "wrong"},
    )
    assert wrong_phrase.exit_code == 2 and "wrong passphrase" in wrong_phrase.output
    assert "Traceback" not in wrong_key.output + wrong_phrase.output


def test_verify_names_the_rule_a_tampered_file_breaks(desk):
    run(
        "return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "ballots.parquet",
        "--issued", 9000, "--returned", 8130, "--spoilt", 10, "--ineligible", 17, "--out", "return.json",
    )
    run("return", "seal", "contest.toml", "return.json", "--key", "scrutineer.key")
    envelope = json.loads((desk / "return.sealed").read_bytes())
    envelope["affiliate"] = "ballot-members"
    (desk / "moved.sealed").write_text(json.dumps(envelope))
    result = run("return", "verify", "contest.toml", "moved.sealed")
    assert result.exit_code == 1 and "[key-id]" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["return", "check", "contest.toml", "missing.json"], "missing.json: file not found"),
        (["return", "build", "contest.toml", "--affiliate", "nobody", "--data", "ballots.parquet", "--issued", 1,
          "--returned", 1], "'nobody' is not in the contest's register"),
        (["return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "nope.csv", "--issued", 1,
          "--returned", 1], "nope.csv: file not found"),
        (["return", "verify", "contest.toml", "contest.toml"], "[envelope-json]"),
    ],
)
def test_failures_are_one_clear_line(desk, args, message):
    result = run(*args)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_a_breakdown_column_labels_each_paper(desk):
    pl.DataFrame(
        {
            "voter": ["Aisha Abbott MP", "Ben Baines MP", "Carys Chowdhury MEP"],
            "rank1": ["Ann Example", "Bob Example", "Ann Example"],
            "rank2": ["Cat Example", "", "Bob Example"],
        }
    ).write_csv(desk / "plp.csv")
    built = run(
        "return", "build", "contest.toml", "--affiliate", "ballot-members", "--data", "plp.csv",
        "--breakdown-column", "voter", "--issued", 500, "--returned", 3, "--out", "named.json",
    )
    assert built.exit_code == 0, built.output
    rows = {(row.breakdown, tuple(row.ranking)) for row in read_return(desk / "named.json").profile}
    assert rows == {
        ("Aisha Abbott MP", ("Ann Example", "Cat Example")),
        ("Ben Baines MP", ("Bob Example",)),
        ("Carys Chowdhury MEP", ("Ann Example", "Bob Example")),
    }
    missing = run(
        "return", "build", "contest.toml", "--affiliate", "ballot-members", "--data", "plp.csv",
        "--breakdown-column", "clp", "--issued", 500, "--returned", 3, "--out", "x.json",
    )
    assert missing.exit_code == 2 and "no column 'clp'" in missing.output
    pl.DataFrame({"voter": ["Dev Doyle MP"], "rank1": ["Eve Impostor"]}).write_csv(desk / "bad.csv")
    bad = run(
        "return", "build", "contest.toml", "--affiliate", "ballot-members", "--data", "bad.csv",
        "--breakdown-column", "voter", "--issued", 500, "--returned", 1, "--out", "y.json",
    )
    assert bad.exit_code == 2 and "bad.csv" in bad.output and "'Eve Impostor' is not a validly nominated" in bad.output


def test_a_clear_return_given_to_verify_and_a_sealed_one_given_to_check_say_which_file_and_which_command(desk):
    """The two files sit side by side and a new scrutineer swaps them: each mistake is one line naming the file
    and the command it needs (verify said `key_id: submission: ...` with no file; check listed 14 missing fields)."""
    run(
        "return", "build", "contest.toml", "--affiliate", "fabian-readers", "--data", "ballots.parquet",
        "--issued", 9000, "--returned", 8130, "--spoilt", 10, "--ineligible", 17, "--out", "return.json",
    )
    assert run("return", "seal", "contest.toml", "return.json", "--key", "scrutineer.key").exit_code == 0
    clear = run("return", "verify", "contest.toml", "return.json")
    assert clear.exit_code == 2 and clear.output.count("\n") == 1, clear.output
    assert clear.output.startswith("error: return.json: ") and "college return seal" in clear.output
    assert "[envelope-schema]" in clear.output
    for command in ("check", "seal"):
        args = ["--key", "scrutineer.key"] if command == "seal" else []
        sealed = run("return", command, "contest.toml", "return.sealed", *args)
        assert sealed.exit_code == 2 and sealed.output.count("\n") == 1, sealed.output
        assert sealed.output.startswith("error: return.sealed: ") and "college return verify" in sealed.output
