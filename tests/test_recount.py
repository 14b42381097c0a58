"""The recount kit: a bundle verifies, and a changed count is found by round, section and figure."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from college.cli import app
from college.declaration import write_declaration
from college.errors import CollegeError
from college.recount import verify_bundle, write_bundle
from college.signing import digest
from tests.test_reports import ANN, declaration_2010, small_declaration


@pytest.fixture(params=["small", "2010"])
def declaration(request):
    return small_declaration() if request.param == "small" else declaration_2010()


def test_a_bundle_verifies_round_by_round(tmp_path, declaration):
    manifest = write_bundle(declaration, tmp_path / "bundle")
    files = json.loads(manifest.read_text())["files"]
    assert {f["path"] for f in files} == {
        "contest.toml", "result.json", "tie-decisions.json", *[f"profiles/{s}.json" for s in declaration.profiles]
    }
    for entry in files:
        assert digest((tmp_path / "bundle" / entry["path"]).read_bytes()) == entry["sha256"]
    verification = verify_bundle(tmp_path / "bundle")
    assert verification.matches
    assert [r.number for r in verification.rounds] == [r.number for r in declaration.result.rounds]


def _change_one_count(bundle, section: str, delta: int = 1) -> tuple[str, object]:
    """Add `delta` papers to the first ranking of a section's profile; returns the candidate it counts for."""
    path = bundle / "profiles" / f"{section}.json"
    data = json.loads(path.read_text())
    first = data["ballots"][0]
    first["count"] += delta
    path.write_text(json.dumps(data))
    return first["ranking"][0], first


def test_a_changed_count_fails_naming_round_section_and_figure(tmp_path, declaration):
    write_bundle(declaration, tmp_path / "bundle")
    candidate, _ = _change_one_count(tmp_path / "bundle", "members")
    verification = verify_bundle(tmp_path / "bundle")
    assert not verification.matches
    assert verification.files == ["profiles/members.json: its SHA-256 does not match the manifest (the file was changed)"]
    first = verification.rounds[0]
    votes = declaration.result.rounds[0].sections[1].votes[candidate]
    section_name = declaration.result.sections[1].name
    assert first.differences[0] == (
        f"round 1, section members ({section_name}): votes for {candidate}: declared {votes:,}, recounted {votes + 1:,}"
    )

    outcome = CliRunner().invoke(app, ["verify", str(tmp_path / "bundle")])
    assert outcome.exit_code == 1
    assert "round 1: DIFFERS" in outcome.output
    assert f"round 1, section members ({section_name}): votes for {candidate}" in outcome.output
    assert "does NOT match" in outcome.output


def test_a_change_with_a_forged_manifest_is_still_caught_by_the_recount(tmp_path):
    write_bundle(small_declaration(), tmp_path / "bundle")
    _change_one_count(tmp_path / "bundle", "plp", delta=3)
    manifest_path = tmp_path / "bundle" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        entry["sha256"] = digest((tmp_path / "bundle" / entry["path"]).read_bytes())
    manifest_path.write_text(json.dumps(manifest))
    verification = verify_bundle(tmp_path / "bundle")
    assert verification.files == [] and not verification.matches
    assert any(d.startswith("round 1, section plp") for d in verification.rounds[0].differences)


def test_a_different_result_file_is_caught(tmp_path):
    write_bundle(small_declaration(), tmp_path / "bundle")
    path = tmp_path / "bundle" / "result.json"
    data = json.loads(path.read_text())
    data["rounds"][0]["sections"][0]["votes"][ANN] += 1
    path.write_text(json.dumps(data))
    verification = verify_bundle(tmp_path / "bundle")
    assert not verification.matches
    assert any("result.json: not the result the declaration holds" in f for f in verification.files)
    assert verification.rounds[0].differences[0].startswith("round 1, section plp (PLP and EPLP): votes for Ann Example")


def test_bundle_and_verify_commands(tmp_path):
    declared = write_declaration(small_declaration(dry_run=True), tmp_path / "declaration.json")
    runner = CliRunner()
    made = runner.invoke(app, ["bundle", str(declared), "--out", str(tmp_path / "kit")])
    assert made.exit_code == 0, made.output
    assert "DRY RUN" in made.output
    checked = runner.invoke(app, ["verify", str(tmp_path / "kit")])
    assert checked.exit_code == 0, checked.output
    assert "DRY RUN" in checked.output and "round 1: matches" in checked.output
    assert "the recount matches the declared result" in checked.output


def test_verify_on_something_that_is_not_a_bundle(tmp_path):
    with pytest.raises(CollegeError, match="not a recount bundle"):
        verify_bundle(tmp_path)
    outcome = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert outcome.exit_code == 2 and "not a recount bundle" in outcome.output
