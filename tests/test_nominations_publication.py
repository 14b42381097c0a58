"""Publishing nominations [7, 10]: JSON, CSV and HTML; the commands; the Prefect flow."""

from __future__ import annotations

import csv
import io
import json
import tomllib

import jsonschema
from typer.testing import CliRunner

from college.cli import app
from college.reports.nominations import html_page, publication, published_digest, write_publication
from college.nominations import NominationsOutcome, load, outcome
from tests.conftest import REPO
from tests.test_nominations import EXAMPLE_2010, enough_for, mps, result_of, scenario

runner = CliRunner()
HOSTILE = '<script>alert("x")</script> & Co'


def hostile_result(tmp_path) -> NominationsOutcome:
    others = [("evil", HOSTILE, "commons")]
    return result_of(
        tmp_path,
        commons=16,
        others=others,
        nominations=[("evil", "Ann Example", 1), ("m004", HOSTILE, 1), ("Unknown <b>MP</b>", "Ann Example", 2)]
        + enough_for("Bob Example", 5),
        supporting=[("soc", f"{HOSTILE} Society", "socialist_society", "Ann Example", 1, 300, HOSTILE)],
    )


def test_html_escapes_every_name_and_is_self_contained(tmp_path):
    page = html_page(hostile_result(tmp_path))
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "Unknown &lt;b&gt;MP&lt;/b&gt;" in page
    assert "http://" not in page and "https://" not in page and "src=" not in page


def test_html_lists_mps_per_nominee_and_the_threshold_arithmetic():
    page = html_page(outcome(load(EXAMPLE_2010 / "nominations.toml")))
    assert "12.5% of 257 = 32.125, rounded up: 33" in page
    assert "<h3>Nominated Diane Abbott (33)</h3>" in page
    assert page.count("<li>") == 81 + 63 + 33 + 33 + 33 + 6
    assert "Example Socialist Society" in page and "Withdrew" in page


def test_json_and_csv_carry_every_record(tmp_path):
    result = hostile_result(tmp_path)
    files = publication(result)
    assert list(files)[-1] == "nominations.json"  # written last: it marks a complete publication
    again = NominationsOutcome.model_validate_json(files["nominations.json"])
    assert again == result
    schema = json.loads((REPO / "schemas" / "nominations-outcome.schema.json").read_text())
    jsonschema.validate(json.loads(files["nominations.json"]), schema)
    leader = result.positions[0]
    plp = list(csv.DictReader(io.StringIO(files["plp-nominations.csv"].decode())))
    assert len(plp) == len(leader.plp_nominations)
    assert {row["mp"] for row in plp} >= {HOSTILE, "Unknown <b>MP</b>"}
    assert {row["status"] for row in plp} == {"valid", "rejected"}
    nominees = list(csv.DictReader(io.StringIO(files["nominees.csv"].decode())))
    assert [(r["nominee"], r["nominations"]) for r in nominees] == [(n.nominee, str(n.nominations)) for n in leader.nominees]
    supporting = list(csv.DictReader(io.StringIO(files["supporting-nominations.csv"].decode())))
    assert supporting[0]["certified_members"] == "300" and supporting[0]["status"] == "valid"


def test_the_digest_follows_the_source_files(tmp_path):
    path = scenario(tmp_path, nominations=[("m001", "Ann Example", 1)])
    first = outcome(load(path))
    write_publication(first, tmp_path / "out")
    assert published_digest(tmp_path / "out") == first.digest
    assert outcome(load(path)).digest == first.digest
    (tmp_path / "plp.csv").write_text((tmp_path / "plp.csv").read_text() + "m002,Ann Example,leader,2026-05-01T10:00:00Z,\n")
    assert outcome(load(path)).digest != first.digest
    assert published_digest(tmp_path / "nowhere") is None


def test_example_files_match_their_schemas():
    config = tomllib.loads((EXAMPLE_2010 / "nominations.toml").read_text())
    config = json.loads(json.dumps(config, default=lambda when: when.isoformat()))  # TOML times as JSON strings
    jsonschema.validate(config, json.loads((REPO / "schemas" / "nominations.schema.json").read_text()))
    decisions = json.loads((EXAMPLE_2010 / "decisions.json").read_text())
    jsonschema.validate(decisions, json.loads((REPO / "schemas" / "nominee-decisions.schema.json").read_text()))


# ---------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------


def test_publish_command_writes_json_csv_html(tmp_path):
    result = runner.invoke(app, ["nominations", "publish", str(EXAMPLE_2010 / "nominations.toml"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html", "nominations.json", "nominees.csv", "plp-nominations.csv", "supporting-nominations.csv"
    ]
    assert "Validly nominated for Leader: Diane Abbott, Ed Balls, Andy Burnham, David Miliband, Ed Miliband" in result.output


def test_check_command_shows_threshold_and_rejections():
    result = runner.invoke(app, ["nominations", "check", str(EXAMPLE_2010 / "nominations.toml")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "12.5% of 257 = 32.125, rounded up: 33" in result.output
    assert "rejected: Uncertified Society -> David Miliband (supporting.csv line 6)" in result.output


def test_contest_command_creates_then_updates(tmp_path):
    target = tmp_path / "contest.toml"
    args = ["nominations", "contest", str(EXAMPLE_2010 / "nominations.toml"), "--write", str(target)]
    created = runner.invoke(app, args)
    assert created.exit_code == 0 and "created" in created.output
    target.write_text(target.read_text().replace('tie_policy = ["previous-rounds", "refer"]', 'tie_policy = ["lot"]\nlot_seed = "s"'))
    updated = runner.invoke(app, args)
    assert updated.exit_code == 0 and "updated" in updated.output
    assert 'lot_seed = "s"' in target.read_text()


def test_contest_command_unopposed_and_none_write_nothing(tmp_path):
    target = tmp_path / "contest.toml"
    unopposed = scenario(tmp_path / "u", commons=16, nominations=enough_for("Ann Example", 1))
    result = runner.invoke(app, ["nominations", "contest", str(unopposed), "--write", str(target)], terminal_width=200)
    assert result.exit_code == 0 and "elected unopposed" in result.output and not target.exists()
    nobody = scenario(tmp_path / "n", commons=16, nominations=[(mp, "Ann Example", 1) for mp in mps(1)])
    result = runner.invoke(app, ["nominations", "contest", str(nobody), "--write", str(target)], terminal_width=200)
    assert result.exit_code == 1 and "No candidate is validly nominated" in result.output and not target.exists()


def test_certified_command_prints_the_counts():
    result = runner.invoke(app, ["nominations", "certified", str(EXAMPLE_2010 / "nominations.toml")])
    assert result.exit_code == 0 and json.loads(result.output) == {"example-society": 1200}


def test_a_bad_file_is_one_line_and_exit_2(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "plp.csv").write_text("mp,nominee,position,when\nm001,Ann Example,leader,soon\n")
    result = runner.invoke(app, ["nominations", "check", str(path)], terminal_width=400)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "plp.csv line 2: when: " in lines[0]


# ---------------------------------------------------------------------------
# The flow rebuilds the publication when the files change
# ---------------------------------------------------------------------------


def test_flow_publishes_only_when_the_files_change(prefect_server, tmp_path):
    from flows.nominations import publish_nominations

    path = scenario(tmp_path / "in", commons=16, nominations=enough_for("Ann Example", 1))
    out = tmp_path / "out"
    assert publish_nominations(str(path), str(out)) == "published"
    assert json.loads((out / "nominations.json").read_text())["positions"][0]["conclusion"] == "unopposed"
    assert publish_nominations(str(path), str(out)) == "unchanged"
    plp = tmp_path / "in" / "plp.csv"
    plp.write_text(plp.read_text() + "".join(f"{mp},Bob Example,leader,2026-05-01T10:00:00Z,\n" for mp in mps(3, 4)))
    assert publish_nominations(str(path), str(out)) == "published"
    assert json.loads((out / "nominations.json").read_text())["positions"][0]["candidates"] == ["Ann Example", "Bob Example"]


def test_contest_command_fills_the_register_from_certified_counts(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from college.contest import load_contest
    from college.signing import public_text

    key = public_text(Ed25519PrivateKey.generate())
    register = "".join(
        f'\n[[register]]\nid = "{body}"\nname = "{body}"\nkind = "socialist_society"\nsection = "affiliates"\n'
        f'certified_members = 1000\ndeclaration_required = true\nscrutineer = "A Scrutineer"\npublic_key = "{key}"\n'
        for body in ("example-society", "other-society")
    )
    target = tmp_path / "contest.toml"
    args = ["nominations", "contest", str(EXAMPLE_2010 / "nominations.toml"), "--write", str(target)]
    assert runner.invoke(app, args).exit_code == 0
    target.write_text(target.read_text() + register)
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "register example-society: certified_members 1000 -> 1200" in result.output
    certified = {body.id: body.certified_members for body in load_contest(target).register}
    assert certified == {"example-society": 1200, "other-society": 1000}
