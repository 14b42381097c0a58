"""Reports after the declaration: the statement, the breakdowns, JSON/CSV/HTML/PDF, and the embargo."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from typer.testing import CliRunner

from college.cli import app
from college.count.rules import count
from college.declaration import (
    Declaration,
    parse_contest,
    read_declaration,
    write_declaration,
)
from college.embargo import Embargoed, require_declared
from college.errors import CollegeError
from college.reports.publish import write_reports
from college.reports.tables import build_report, statement, transfers
from college.count.shares import percent
from tests.helpers import declare, profile

REPO = Path(__file__).resolve().parent.parent
SMALL_CONTEST = (REPO / "tests" / "data" / "smallest_contest.toml").read_text(encoding="utf-8")
ANN, BOB, CAT = "Ann Example", "Bob Example", "Cat Example"
EXAMPLE_2010 = REPO / "examples" / "2010-leader"


def small_profiles():
    a, b, c = ANN, BOB, CAT
    return {
        "plp": profile(f"{a}>{b}", 10, f"{b}>{a}", 8, f"{c}>{b}", 5, c, 2),
        "members": profile(f"{a}", 400, f"{b}>{c}", 380, f"{c}>{a}", 150, f"{c}>{b}", 90, "", 3),
        "affiliates": profile(f"{b}", 3000, f"{a}>{b}", 2500, f"{c}", 700, f"{c}>{a}", 1300),
    }


def small_groups():
    """The affiliates' and CLPs' own papers: together, the affiliates' and members' sections."""
    a, b, c = ANN, BOB, CAT
    return {
        ("affiliate", "unite", "Unite & Co <b>", "affiliates"): profile(f"{a}>{b}", 2500, f"{b}", 2200, f"{c}>{a}", 1000),
        ("affiliate", "fabians", "Fabian Society", "affiliates"): profile(f"{b}", 800, f"{c}", 700, f"{c}>{a}", 300),
        ("clp", "Hackney North", "Hackney North", "members"): profile(a, 300, f"{b}>{c}", 200, f"{c}>{a}", 100, f"{c}>{b}", 40),
        ("clp", "Ynys Môn", "Ynys Môn", "members"): profile(a, 100, f"{b}>{c}", 180, f"{c}>{a}", 50, f"{c}>{b}", 50),
    }


def groups_of(result, contest, groups) -> list:
    from college.count.breakdowns import Reader, group_rounds

    reader = Reader(result, contest)
    return [group_rounds(reader, kind, key, name, section, p.rankings) for (kind, key, name, section), p in groups.items()]


def small_declaration(dry_run: bool = False, **overrides) -> Declaration:
    """A declaration of a small three-round-free contest: two rounds, Cat eliminated first."""
    contest = parse_contest(SMALL_CONTEST)
    profiles = small_profiles()
    result = count(contest, profiles)
    inputs = dict(
        contest_file=SMALL_CONTEST,
        result=result,
        profiles=profiles,
        declared_at=datetime(2026, 9, 25, 14, 0, tzinfo=UTC),
        declared_by=["Chair <NEC>", "Vice Chair", "Général Secretary"],
        sealed_result_digest="a" * 64,
        ledger_head="b" * 64,
        dry_run=dry_run,
        bodies=[
            dict(id="unite", name="Unite & Co <b>", kind="trade_union", section="affiliates", certified=9000,
                 issued=9000, returned=6000, ineligible=200, spoilt=100, other_invalid=0, valid=5700,
                 first_preferences={ANN: 2500, BOB: 2200, CAT: 1000}),
            dict(id="fabians", name="Fabian Society", kind="socialist_society", section="affiliates", certified=3000,
                 issued=3100, returned=1900, ineligible=50, spoilt=50, other_invalid=0, valid=1800,
                 first_preferences={ANN: 0, BOB: 800, CAT: 1000}),
        ],
        clp_first_preferences={"Hackney North": {ANN: 300, BOB: 200, CAT: 140}, "Ynys Môn": {ANN: 100, BOB: 180, CAT: 100}},
        groups=groups_of(result, contest, small_groups()),
        named_ballots={"plp": {"Żaneta O'Brien": [ANN, BOB], "Diane <script>": [CAT]}},
        procedure=dict(
            returns=[
                dict(body="unite", body_name="Unite & Co <b>", submission="c" * 64,
                     received_at=datetime(2026, 9, 1, tzinfo=UTC), outcome="superseded"),
                dict(body="unite", body_name="Unite & Co <b>", submission="d" * 64,
                     received_at=datetime(2026, 9, 2, tzinfo=UTC), outcome="accepted"),
                dict(body="fabians", body_name="Fabian Society", submission="e" * 64,
                     received_at=datetime(2026, 9, 3, tzinfo=UTC), outcome="rejected",
                     reasons=["signature does not verify with the registered key"]),
                dict(body="fabians", body_name="Fabian Society", submission="f" * 64,
                     received_at=datetime(2026, 9, 20, tzinfo=UTC), outcome="late",
                     decision="admitted by the Procedures Committee"),
            ],
            missing=[dict(body="sea", body_name="Socialist Environment and Resources Association",
                          decision="proceed without it")],
            key_ceremony=dict(participants=["Chair <NEC>", "Vice Chair", "Général Secretary"], quorum=3, members=6),
        ),
    )
    inputs.update(overrides)
    return declare(**inputs)


@pytest.fixture
def declared(tmp_path) -> Path:
    return write_declaration(small_declaration(), tmp_path / "declaration.json")


# --- the declaration and the embargo ------------------------------------------------------


def test_declaration_round_trips_and_is_checked(declared):
    declaration = read_declaration(declared)
    assert declaration == small_declaration()
    assert require_declared(declared) == declaration


def test_profiles_that_do_not_reproduce_the_result_are_refused():
    other = small_profiles()
    other["plp"] = profile(f"{CAT}", 30)
    with pytest.raises(CollegeError, match="do not reproduce the result"):
        small_declaration(profiles=other)


def _bare_result(path: Path) -> Path:
    result = small_declaration().result
    path.write_text(json.dumps(result.model_dump(mode="json")), encoding="utf-8")
    return path


def _tampered(path: Path, declared: Path) -> Path:
    data = json.loads(declared.read_text(encoding="utf-8"))
    data["result"]["rounds"][0]["sections"][0]["votes"][ANN] += 1
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _re_digested(path: Path, declared: Path) -> Path:
    """Changed and given a fresh declaration digest, but the result digest no longer holds."""
    from college.declaration import declaration_digest

    data = json.loads(declared.read_text(encoding="utf-8"))
    data["result"]["winner"] = BOB
    data["digest"] = declaration_digest(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("make", ["missing", "sealed", "bare-result", "tampered", "re-digested"])
def test_every_report_command_refuses_before_a_declaration(make, tmp_path, declared):
    path = {
        "missing": lambda: tmp_path / "nothing.json",
        "sealed": lambda: (tmp_path / "result.sealed").write_bytes(b"\x00HPKE sealed bytes") and tmp_path / "result.sealed",
        "bare-result": lambda: _bare_result(tmp_path / "result.json"),
        "tampered": lambda: _tampered(tmp_path / "tampered.json", declared),
        "re-digested": lambda: _re_digested(tmp_path / "redigested.json", declared),
    }[make]()
    with pytest.raises(Embargoed, match="^embargoed: no declaration has been made for"):
        require_declared(path)
    runner = CliRunner()
    for args in (["report", str(path), "--out", str(tmp_path / "out")], ["bundle", str(path), "--out", str(tmp_path / "b")]):
        outcome = runner.invoke(app, args)
        assert outcome.exit_code == 2, outcome.output
        assert "embargoed: no declaration has been made for" in outcome.output
        assert "results are available only after the Procedures Committee declares them" in outcome.output
        assert "Traceback" not in outcome.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "b").exists()


def test_the_embargo_message_names_the_contest_when_the_file_does(tmp_path):
    with pytest.raises(Embargoed, match="for contest 2026-leader;"):
        require_declared(_bare_result(tmp_path / "result.json"))


# --- the statement and tables -------------------------------------------------------------


def test_statement_matches_the_engine_round_by_round():
    declaration = small_declaration()
    report = build_report(declaration)
    result = declaration.result
    assert report.statement.winner == result.winner
    assert len(report.statement.rounds) == len(result.rounds) >= 2
    for stated, counted in zip(report.statement.rounds, result.rounds):
        assert stated.eliminated == counted.eliminated
        for candidate in stated.candidates:
            assert candidate.college == counted.college[candidate.name]
            for section in counted.sections:
                figure = candidate.sections[section.id]
                assert figure.votes == section.votes[candidate.name]
                assert figure.share.percent == percent(section.shares[candidate.name].fraction, 3)
    rows = report.table("college-shares").rows
    assert [r[3] for r in rows] == [r.college[c].exact for r in result.rounds for c in r.continuing]
    assert all(len(r[2].split(".")[1]) == 2 for r in rows)


def test_transfers_account_for_every_eliminated_paper():
    result = small_declaration().result
    moves = transfers(result)
    for before, after in zip(result.rounds, result.rounds[1:]):
        for section in before.sections:
            out = sum(m.papers for m in moves if m.round == before.number and m.section == section.id)
            assert out == sum(section.votes[name] for name in before.eliminated)
            assert all(m.papers >= 0 for m in moves)


def test_breakdowns_by_affiliate_clp_and_named_ballot():
    report = build_report(small_declaration())
    affiliates = report.table("affiliates")
    unite = affiliates.rows[0]
    row = dict(zip(affiliates.columns, unite))
    assert row["turnout_percent"] == "66.7" and row["valid"] == 5700 and row[ANN] == 2500
    clps = {r[0]: r for r in report.table("clps").rows}
    assert clps["Ynys Môn"][2] == 380
    ballots = report.table("ballots-plp")
    assert ballots.columns == ["voter", "preference_1", "preference_2"]
    assert ["Diane <script>", CAT, ""] in ballots.rows
    with pytest.raises(KeyError):
        report.table("nec-returns")


def test_nec_report_adds_the_procedural_record():
    report = build_report(small_declaration(), "nec")
    summary = dict(report.table("nec-returns-summary").rows)
    assert summary == {"accepted": 1, "rejected": 1, "superseded": 1, "late": 1, "flagged": 0, "duplicate": 0}
    returns = report.table("nec-returns").rows
    assert any("signature does not verify" in r[4] for r in returns)
    assert report.table("nec-missing").rows[0][2] == "proceed without it"
    facts = dict(report.table("nec-declaration").rows)
    assert facts["ledger head"] == "b" * 64 and facts["quorum"] == "3 of 6"


# --- the files ---------------------------------------------------------------------------


def test_every_format_is_written_and_the_json_meets_its_schema(tmp_path):
    written = write_reports(small_declaration(), tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"report.json", "nec-report.json", "report.html", "nec-report.html", "nec-report.pdf"} <= names
    assert "csv/first-preferences.csv" in names and "csv/nec-returns.csv" in names
    assert {"exports/2026-leader-plp.blt", "exports/2026-leader-members.soi", "exports/2026-leader-summary.json"} <= names
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    for name in ("report.json", "nec-report.json"):
        data = json.loads((tmp_path / name).read_text())
        jsonschema.validate(data, schema)
        assert data["watermark"] is None and data["dry_run"] is False
    with (tmp_path / "csv" / "first-preferences.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    result = small_declaration().result
    plp = result.rounds[0].sections[0]
    assert {r["candidate"]: int(r["votes"]) for r in rows if r["section"] == plp.name} == plp.votes


def test_html_escapes_names_and_is_self_contained(tmp_path):
    write_reports(small_declaration(), tmp_path, ["html"])
    page = (tmp_path / "nec-report.html").read_text()
    assert "<script>" not in page and "Diane &lt;script&gt;" in page
    assert "Unite &amp; Co &lt;b&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert page.count("<svg") >= 2 * 4 + 3  # per round college + 3 sections, 3 Sankeys
    assert "DRY RUN" not in page


def test_dry_run_is_marked_on_every_output(tmp_path):
    declaration = small_declaration(dry_run=True)
    write_reports(declaration, tmp_path)
    for name in ("report.html", "nec-report.html"):
        assert 'id="dry-run"' in (tmp_path / name).read_text()
    for name in ("report.json", "nec-report.json"):
        assert json.loads((tmp_path / name).read_text())["watermark"] == "DRY RUN"
    for path in (tmp_path / "csv").glob("*.csv"):
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0][0] == "watermark" and all(r[0] == "DRY RUN" for r in rows[1:]), path.name
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "nec-report.pdf").pages)
    assert text.count("DRY RUN") >= len(PdfReader(tmp_path / "nec-report.pdf").pages)


def test_pdf_holds_the_statement_rounds_and_procedure(tmp_path):
    declaration = small_declaration()
    write_reports(declaration, tmp_path, ["pdf"])
    reader = PdfReader(tmp_path / "nec-report.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    result = declaration.result
    last = result.rounds[-1]
    assert f"{result.winner} is elected Leader with {last.college[result.winner].percent}%" in text
    assert "Général Secretary" in text and "Ynys Môn" in text and "Żaneta O'Brien" in text
    assert "signature does not verify with the registered key" in text
    for round_ in result.rounds:
        for name in round_.continuing:
            assert round_.college[name].percent in text
    assert "DRY RUN" not in text


def test_report_command_writes_the_formats_asked_for(tmp_path, declared):
    outcome = CliRunner().invoke(app, ["report", str(declared), "--out", str(tmp_path / "r"), "--format", "json,csv"])
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "r" / "report.json").is_file() and not (tmp_path / "r" / "report.html").exists()
    bad = CliRunner().invoke(app, ["report", str(declared), "--out", str(tmp_path / "r"), "--format", "docx"])
    assert bad.exit_code == 2 and "--format" in bad.output


# --- 2010: the report reproduces the published table ---------------------------------------


def declaration_2010(dry_run: bool = False) -> Declaration:
    if not (EXAMPLE_2010 / "contest.toml").is_file():
        pytest.skip("examples/2010-leader is not in this checkout")
    from college.profile import read_profile

    text = (EXAMPLE_2010 / "contest.toml").read_text(encoding="utf-8")
    contest = parse_contest(text)
    profiles = {s.id: read_profile(EXAMPLE_2010 / f"{s.id}.json", contest) for s in contest.sections}
    return declare(
        contest_file=text,
        result=count(contest, profiles),
        profiles=profiles,
        declared_at=datetime(2010, 9, 25, 16, 0, tzinfo=UTC),
        declared_by=["Ray Collins", "Ann Black", "Jeremy Beecham"],
        sealed_result_digest="0" * 64,
        ledger_head="1" * 64,
        dry_run=dry_run,
    )


def test_2010_report_reproduces_the_published_table():
    published = json.loads((REPO / "tests" / "data" / "history" / "2010-leader.figures.json").read_text())
    report = build_report(declaration_2010())
    assert [r.number for r in report.statement.rounds] == [r["number"] for r in published["rounds"]]
    compared = 0
    for stated, table in zip(report.statement.rounds, published["rounds"]):
        by_name = {c.name: c for c in stated.candidates}
        assert list(by_name) == table["continuing"]
        for name, (shown, rule) in table["college"].items():
            assert rule == "half-up" and by_name[name].college.percent == shown, (stated.number, name)
        for section_id, cells in table["sections"].items():
            totals = next(s for s in stated.sections if s.id == section_id)
            assert totals.valid == cells["valid"]
            if cells["published"]:
                for name, votes in cells["votes"].items():
                    assert by_name[name].sections[section_id].votes == votes
                    compared += 1
            for name, (shown, rule) in cells.get("contribution", {}).items():
                assert by_name[name].sections[section_id].contribution.percent == shown, (stated.number, section_id, name)
                compared += 1
    assert compared >= 30
    final = {c.name: c.college.percent for c in report.statement.rounds[-1].candidates}
    assert final == {"David Miliband": "49.35", "Ed Miliband": "50.65"}
    assert report.statement.text == "Ed Miliband is elected Leader with 50.65% of the Electoral College in round 4."
    first_plp = {r[1]: r[2] for r in report.table("first-preferences").rows if r[0] == "PLP and EPLP"}
    assert first_plp == published["rounds"][0]["sections"]["plp"]["votes"]


def test_statement_markdown_for_the_declaration_flows_artifact():
    from college.reports.tables import statement_markdown

    text = statement_markdown(build_report(small_declaration(dry_run=True)))
    assert text.startswith("**DRY RUN**") and "| Candidate |" in text
    result = small_declaration().result
    assert f"| {ANN} | 10 | {result.rounds[0].sections[0].shares[ANN].percent} |" in text


def test_pdf_without_a_unicode_font_transliterates_and_says_so(tmp_path, monkeypatch):
    import college.reports.pdf as report_pdf

    monkeypatch.setattr(report_pdf, "unicode_font", lambda: None)
    write_reports(small_declaration(), tmp_path, ["pdf"])
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "nec-report.pdf").pages)
    assert "Names in this PDF are transliterated to Latin-1" in text
    assert "Zaneta O'Brien" in text and "Général Secretary" in text  # é is Latin-1: kept


ranking_strategy = st.lists(st.sampled_from("ABCD"), unique=True, max_size=4).map(lambda names: tuple((n,) for n in names))
section_strategy = st.lists(st.tuples(ranking_strategy, st.integers(1, 50)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.tuples(section_strategy, section_strategy, section_strategy))
def test_transfers_and_statement_agree_with_any_count(sections):
    from college.profile import from_rows
    from tests.helpers import contest as make_contest

    contest = make_contest("ABCD")
    profiles = {sid: from_rows(rows) for sid, rows in zip(("plp", "members", "affiliates"), sections)}
    result = count(contest, profiles)
    moves = transfers(result)
    for before, after in zip(result.rounds, result.rounds[1:]):
        for section in before.sections:
            sent = [m for m in moves if m.round == before.number and m.section == section.id]
            assert all(m.papers >= 0 for m in sent)
            assert sum(m.papers for m in sent) == sum(section.votes[n] for n in before.eliminated)
    stated = statement(result, 3, 2)
    for round_, counted in zip(stated.rounds, result.rounds):
        college = sum((c.college.fraction for c in round_.candidates), Fraction(0))
        contributions = sum((f.contribution.fraction for c in round_.candidates for f in c.sections.values()), Fraction(0))
        assert college == contributions  # item 23: the college share is the sum of the sections' contributions


def test_an_unopposed_declaration_reports_and_bundles(tmp_path):
    from college.profile import Profile
    from college.recount import verify_bundle, write_bundle

    text = SMALL_CONTEST.replace('candidates = ["Ann Example", "Bob Example", "Cat Example"]', 'candidates = ["Ann Example"]')
    contest = parse_contest(text)
    profiles = {s.id: Profile() for s in contest.sections}
    declaration = small_declaration(
        contest_file=text, result=count(contest, profiles), profiles=profiles, bodies=[], clp_first_preferences=None, groups=[],
        named_ballots=None,
    )
    write_reports(declaration, tmp_path)
    assert "Ann Example is elected Leader unopposed" in (tmp_path / "report.html").read_text()
    write_bundle(declaration, tmp_path / "kit")
    assert verify_bundle(tmp_path / "kit").matches


# --- for people: readable tables, every round's breakdowns, margins, flags ------------------------


def test_tables_for_people_have_headers_in_words_separators_and_no_fractions(tmp_path):
    import re

    write_reports(declaration_2010(), tmp_path, ["html"])
    page = (tmp_path / "report.html").read_text()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert headers and not [h for h in headers if "_" in h]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert "126,874" in cells and "211,234" in cells
    assert not [c for c in cells if re.search(r"\d/\d", c)]  # exact fractions stay in the JSON and CSV
    assert "15742630097" not in page
    report = json.loads(write_reports(declaration_2010(), tmp_path / "j", ["json"])[0].read_text())
    assert any("/" in row[3] for row in next(t for t in report["tables"] if t["id"] == "college-shares")["rows"])


def test_times_are_shown_to_the_second_with_their_zone(tmp_path):
    import re

    write_reports(small_declaration(), tmp_path, ["html"])
    page = (tmp_path / "nec-report.html").read_text()
    assert "Declared 2026-09-25 14:00:00 UTC by" in page and "2026-09-20 00:00:00 UTC" in page
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page) and "T14:00:00" not in page
    from college.reports.tables import when
    from datetime import timedelta, timezone

    assert when(datetime(2026, 9, 25, 14, 0, 7, 123456, tzinfo=timezone(timedelta(hours=1)))) == "2026-09-25 14:00:07 UTC+01:00"


def test_the_summary_of_every_round_comes_first_after_the_statement(tmp_path):
    write_reports(declaration_2010(), tmp_path, ["html"])
    page = (tmp_path / "report.html").read_text()
    assert page.index('id="statement"') < page.index('id="table-summary"') < page.index("<table id=\"table-round-1\"")
    assert page.index("<table") == page.index('<table id="table-summary"')
    summary = build_report(declaration_2010()).table("summary")
    rows = {r[0]: r[1:] for r in summary.rows}
    assert rows["Ed Miliband"] == ["34.33", "37.47", "41.26", "50.65", "elected in round 4"]
    assert rows["Diane Abbott"] == ["7.42", None, None, None, "eliminated in round 1"]


def test_every_round_by_affiliate_and_by_clp_adds_up_to_the_sections():
    declaration = small_declaration()
    report = build_report(declaration)
    for kind, section_id in (("affiliate", "affiliates"), ("clp", "members")):
        for round_ in declaration.result.rounds:
            table = report.table(f"{kind}-round-{round_.number}")
            section = next(s for s in round_.sections if s.id == section_id)
            columns = table.columns
            for name in round_.continuing:
                assert sum(r[columns.index(name)] for r in table.rows) == section.votes[name], (kind, round_.number)
            if kind == "affiliate":  # the affiliates are the whole section; the CLPs leave out blank papers' keys
                assert sum(r[columns.index("non_transferable")] for r in table.rows) == section.non_transferable
    # Round 2: Cat's papers went on; the Fabians' 700 papers for Cat alone are non-transferable.
    fabians = next(r for r in report.table("affiliate-round-2").rows if r[0] == "fabians")
    assert fabians[3:] == [300, 800, 700, 1800]


def test_margins_are_in_both_reports_and_the_sensitivity_in_the_necs():
    declaration = small_declaration()
    public, nec = build_report(declaration), build_report(declaration, "nec")
    assert public.margins and public.margins == nec.margins and public.table("margins").rows
    assert public.sensitivity is None and nec.sensitivity
    subjects = {s.subject: s for s in nec.sensitivity}
    # Unite's 200 ineligible papers: round 2 needs 425 in the affiliates to hold Ann to 50%, round 1 2,832.
    ineligible = subjects["Unite & Co <b>: papers ruled ineligible"]
    assert (ineligible.elimination, ineligible.winner) == ("could not", "could not")
    assert [b.needed for b in ineligible.bounds] == [2832, 425]
    # The Fabians issued 100 papers beyond their 3,000 certified: taken from their own papers.
    beyond = subjects["Fabian Society: papers beyond its certified count"]
    assert beyond.effect == "removed" and beyond.papers == 100
    sensitivity = nec.table("nec-sensitivity")
    assert "no certified count in the contest's register" in sensitivity.note  # SEA is not in this register


def test_the_nec_report_shows_every_flag_and_decision():
    report = build_report(small_declaration(), "nec")
    flags = {(r[0], r[1]): r for r in report.table("nec-flags").rows}
    assert flags["papers issued differ from the certified count", "Fabian Society"][2] == "issued 3,100, certified 3,000"
    assert flags["late return", "Fabian Society"][3] == "admitted by the Procedures Committee"
    assert flags["no counting return", "Socialist Environment and Resources Association"][3] == "proceed without it"


def test_the_2010_breakdowns_add_up_to_the_published_section_totals():
    """Every round, every section: the candidates' votes and the non-transferable papers add up to the
    section's papers; the votes to the published valid totals; each round's transfers to the next round."""
    published = json.loads((REPO / "tests" / "data" / "history" / "2010-leader.figures.json").read_text())
    report = build_report(declaration_2010())
    moves = report.table("transfers").rows
    for stated, table in zip(report.statement.rounds, published["rounds"]):
        round_table = report.table(f"round-{stated.number}")
        valid_row = next(r for r in round_table.rows if r[0] == "valid this round")
        lost_row = next(r for r in round_table.rows if r[0] == "non-transferable")
        for place, section in enumerate(report.sections):
            column = 1 + place * 3
            votes = sum(r[column] for r in round_table.rows if r[0] in table["continuing"])
            assert votes == valid_row[column] == table["sections"][section.id]["valid"], (stated.number, section.id)
            papers = votes + lost_row[column]
            assert papers == report.table("round-1").rows[-1][column] + report.table("round-1").rows[-2][column]
            later = next((r for r in report.statement.rounds if r.number == stated.number + 1), None)
            if later:
                sent = [m for m in moves if m[0] == stated.number and m[1] == section.name]
                eliminated = sum(c.sections[section.id].votes for c in stated.candidates if c.outcome == "eliminated")
                assert sum(m[4] for m in sent) == eliminated
                for candidate in later.candidates:
                    before = next(c for c in stated.candidates if c.name == candidate.name)
                    gained = sum(m[4] for m in sent if m[3] == candidate.name)
                    assert before.sections[section.id].votes + gained == candidate.sections[section.id].votes
    page = render_2010_html()
    assert page.count('data-table="transfers"') == 1 and "Where each eliminated candidate" in page


def render_2010_html() -> str:
    from college.reports.html import render_html

    return render_html(build_report(declaration_2010()))


def test_voter_categories_every_round_exports_and_sensitivity_in_a_one_member_one_vote_contest(tmp_path):
    """2015: one pool of members, registered and affiliated supporters, published by category."""
    from college.count.margins import Recounts, Uncounted, sensitivity
    from college.exports import write_exports
    from college.profile import read_profile
    from college.reports.html import render_html

    folder = REPO / "examples" / "history" / "2015-leader"
    text = (folder / "contest.toml").read_text(encoding="utf-8")
    contest = parse_contest(text)
    profiles = {c.id: read_profile(folder / f"{c.id}.json", contest) for c in contest.categories}
    declaration = declare(
        contest_file=text, result=count(contest, profiles), profiles=profiles,
        declared_at=datetime(2015, 9, 12, 11, 45, tzinfo=UTC), declared_by=["Chair"],
        sealed_result_digest="0" * 64, ledger_head="1" * 64,
    )
    report = build_report(declaration, "nec")
    for round_ in declaration.result.rounds:
        section = round_.sections[0]
        table = report.table(f"category-round-{round_.number}")
        assert [r[0] for r in table.rows] == [c.name for c in contest.categories]
        for name in round_.continuing:
            assert sum(r[table.columns.index(f"{name}_votes")] for r in table.rows) == section.votes[name]
    assert "of the votes" in report.table("summary").title and "points of the votes" in report.table("margins").headers[4]
    page = render_html(report)
    assert "By voter category, every round: round 1" in page and "% of college" not in page
    # The exports hold the whole pool; another reader's first preferences are the section's.
    write_exports(declaration, tmp_path)
    from tests.test_exports import follow, read_blt

    _, ballots, _ = read_blt((tmp_path / "2015-leader-omov.blt").read_text())
    first = declaration.result.rounds[0]
    assert follow(ballots, first.continuing)[0] == first.sections[0].votes
    # A recount with papers added to the pool goes through the count itself.
    item = Uncounted(subject="x", reason="y", section="omov", papers=10)
    assert sensitivity(declaration.result, item, Recounts(contest, profiles)).winner == "could not"


def test_the_nec_report_shows_flagged_returns_and_amendments():
    base = small_declaration().procedure.model_dump()
    base["returns"].append(dict(body="fabians", body_name="Fabian Society", submission="9" * 64,
                                received_at=datetime(2026, 9, 10, 9, 30, 15, 999999, tzinfo=UTC), outcome="flagged",
                                reasons=["papers issued differ from the certified count: explained"],
                                decision="not admitted by the Procedures Committee: not counted"))
    base["decisions"].append(dict(subject="amend", decision="amend the contest file: deadline extended by three days",
                                  decided_by=["Chair <NEC>", "Vice Chair"],
                                  decided_at=datetime(2026, 9, 5, 12, 0, 1, 500000, tzinfo=UTC)))
    report = build_report(small_declaration(procedure=base), "nec")
    flags = {(r[0], r[1]): r for r in report.table("nec-flags").rows}
    flagged = flags["flagged return", "Fabian Society"]
    assert flagged[2] == "papers issued differ from the certified count: explained"
    assert flagged[3] == "not admitted by the Procedures Committee: not counted"
    amend = flags["committee decision: amend", ""]
    assert amend[3] == "amend the contest file: deadline extended by three days"
    assert amend[4:] == ["Chair <NEC>, Vice Chair", "2026-09-05 12:00:01 UTC"]
    assert dict(report.table("nec-returns-summary").rows)["flagged"] == 1


def test_report_and_bundle_never_write_over_a_folder_that_holds_files(tmp_path, declared):
    """A rehearsal's declaration reported into the published folder replaced the real reports without a word."""
    for command, name in (("report", "report.json"), ("bundle", "manifest.json")):
        folder = tmp_path / command
        folder.mkdir()
        (folder / name).write_text("what was published")
        refused = CliRunner().invoke(app, [command, str(declared), "--out", str(folder)])
        assert refused.exit_code == 2 and refused.output.count("\n") == 1, refused.output
        assert refused.output.startswith(f"error: {folder}: ") and "nothing was overwritten" in refused.output
        assert [p.name for p in folder.iterdir()] == [name] and (folder / name).read_text() == "what was published"
        assert CliRunner().invoke(app, [command, str(declared), "--out", str(tmp_path / f"new-{command}")]).exit_code == 0
