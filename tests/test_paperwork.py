"""The paperwork of seed 003: each affiliate's ballot paper (items 11, 13-17), the membership
roll against the certified count (item 12) and the delegates to the College meeting (item 22)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from college.ballot_paper import PACK_CONTENTS, render, write_papers
from college.cli import app
from college.contest import Contest, load_contest
from college.delegates import Registration, delegate_list
from college.errors import CollegeError
from college.membership import RollMember, check_roll
from college.wording import TRADE_UNION
from tests.conftest import EXAMPLES

EXAMPLE = EXAMPLES / "2026-paperwork"
CONTEST_FILE = EXAMPLE / "contest.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def contest() -> Contest:
    return load_contest(CONTEST_FILE)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def papers(contest, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("papers")
    return {path.stem: path for path in write_papers(contest, folder)}


# --- the ballot paper ------------------------------------------------------------------------


def test_every_affiliate_gets_a_paper_with_its_own_wording_or_none(contest, papers):
    assert sorted(papers) == ["makers-union", "members-society", "readers-society"]
    wordings = {w.id: w for w in contest.wordings}
    for body in contest.register:
        pages = [flat(page.extract_text()) for page in PdfReader(papers[body.id]).pages]
        paper, pack = pages
        assert body.name in paper and "official ballot paper" in paper
        # the candidates in the order the party set, each with the instructions above them
        at = [paper.index(name) for name in contest.candidates]
        assert at == sorted(at) and paper.index("How to vote") < at[0]
        assert "Verification slip" in paper and "Membership number" in paper
        for wording in contest.wordings:
            assert (flat(wording.text) in paper) is (wording.id == body.wording), (body.id, wording.id)
        if body.wording is None:
            assert "Declaration of support" not in paper and "SHA-256" not in paper
        else:
            assert "Declaration of support" in paper and wordings[body.wording].sha256 in paper
        for item in PACK_CONTENTS:
            assert item in pack
    assert flat(TRADE_UNION) in flat(PdfReader(papers["makers-union"]).pages[0].extract_text())


def ink(pgm: bytes) -> float:
    """The share of dark pixels in a binary PGM (P5) image."""
    magic, width, height, depth, pixels = pgm.split(maxsplit=4)
    assert magic == b"P5" and depth == b"255"
    return sum(1 for value in pixels if value < 128) / (int(width) * int(height))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils) is not installed: make test installs it")
def test_each_paper_renders_to_images(papers, tmp_path):
    inked = {}
    for body_id, pdf in papers.items():
        subprocess.run(["pdftoppm", "-r", "50", "-png", pdf, tmp_path / body_id], check=True, capture_output=True)
        images = sorted(tmp_path.glob(f"{body_id}-*.png"))
        assert len(images) == 2 and all(image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for image in images), body_id
        first = subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", pdf], check=True, capture_output=True)
        inked[body_id] = ink(first.stdout)
    # every first page is printed on, and the declaration adds ink where there is one
    assert all(share > 0.01 for share in inked.values()), inked
    assert inked["makers-union"] > inked["members-society"] and inked["readers-society"] > inked["members-society"]


def test_a_paper_that_needs_a_declaration_without_an_agreed_wording_is_refused(contest):
    data = contest.model_dump(mode="json")
    data["register"] = [{**b, "wording": None} if b["id"] == "readers-society" else b for b in data["register"]]
    bare = Contest.model_validate(data)
    body = next(b for b in bare.register if b.id == "readers-society")
    with pytest.raises(CollegeError, match="no agreed wording is recorded"):
        render(bare, body)


def test_the_command_writes_one_paper_or_refuses_a_body_that_is_not_an_affiliate(tmp_path):
    ran = runner.invoke(app, ["ballot-papers", str(CONTEST_FILE), "--out", str(tmp_path), "--body", "readers-society"])
    assert ran.exit_code == 0, ran.output
    assert [p.name for p in tmp_path.iterdir()] == ["readers-society.pdf"]
    ran = runner.invoke(app, ["ballot-papers", str(CONTEST_FILE), "--out", str(tmp_path / "x"), "--body", "nobody"])
    assert ran.exit_code == 2 and "'nobody' is not an affiliate" in ran.output


# --- the membership roll (item 12) -----------------------------------------------------------


def roll(*joined: date) -> list[RollMember]:
    return [RollMember(member=f"M{n}", joined=day) for n, day in enumerate(joined)]


def test_members_who_joined_after_the_commencement_are_not_eligible(contest):
    freeze = contest.calendar.recruitment_freeze
    early = [freeze - timedelta(days=400)] * 7
    on_the_day = check_roll(contest, "readers-society", roll(*early, freeze))
    assert on_the_day.eligible == 8 and on_the_day.breach is None
    day_after = check_roll(contest, "readers-society", roll(*early, freeze + timedelta(days=1)))
    assert day_after.eligible == 7 and day_after.joined_after == 1
    assert day_after.breach.startswith("[certified-not-eligible]")


def test_the_membership_command_exits_1_when_the_count_is_wrong(tmp_path):
    ran = runner.invoke(app, ["membership", str(CONTEST_FILE), str(EXAMPLE / "roll.csv"), "--body", "readers-society"])
    assert ran.exit_code == 0, ran.output
    assert "2 joined after the recruitment freeze on 2026-05-13" in ran.output and "8 eligible; 8 certified" in ran.output
    short = tmp_path / "roll.csv"
    short.write_text("\n".join((EXAMPLE / "roll.csv").read_text().splitlines()[:-3]) + "\n")
    ran = runner.invoke(app, ["membership", str(CONTEST_FILE), str(short), "--body", "readers-society"])
    assert ran.exit_code == 1 and "[certified-not-eligible]" in ran.output
    twice = tmp_path / "twice.csv"
    twice.write_text("member,joined\nA1,2020-01-01\nA1,2021-01-01\n")
    ran = runner.invoke(app, ["membership", str(CONTEST_FILE), str(twice), "--body", "readers-society"])
    assert ran.exit_code == 2 and "member 'A1' appears more than once" in ran.output


# --- delegates (item 22) -----------------------------------------------------------------------


def registration(body: str, name: str, registered: str, when: str = "2026-06-01T10:00:00+01:00"):
    return ("line 2", Registration(body=body, name=name, registered=registered, when=when))


def test_fees_are_fifty_pounds_online_and_sixty_by_post(contest):
    listed = delegate_list(
        contest,
        [registration("makers-union", "A", "online"), registration("makers-union", "B", "post"),
         registration("readers-society", "C", "post")],
    )
    assert [(b.body, b.delegates, b.fee_due) for b in listed.bodies] == [
        ("makers-union", 2, "110.00"), ("readers-society", 1, "60.00")
    ]
    assert listed.total_due == "170.00" and listed.college_meeting == "2026-07-04"


def test_the_contest_file_may_set_other_fees(contest):
    dearer = Contest.model_validate({**contest.model_dump(mode="json"), "delegate_fees": {"online": "55.50", "post": "65.00"}})
    listed = delegate_list(dearer, [registration("makers-union", "A", "online"), registration("makers-union", "B", "post")])
    assert listed.total_due == "120.50"


@pytest.mark.parametrize(
    "rows, message",
    [
        ([registration("nobody", "A", "online")], "'nobody' is not an affiliate"),
        ([registration("makers-union", "A", "online"), registration("makers-union", " a ", "post")], "registered twice"),
        # The same name in composed and decomposed Unicode (as two keyboards type it): one delegate, one fee.
        ([registration("makers-union", "Zo\u00eb Smith", "online"), registration("makers-union", "Zoe\u0308 Smith", "post")],
         "registered twice"),
        ([registration("makers-union", "A", "online", "2026-07-04T08:00:00+01:00")], "on or after the day of the meeting"),
    ],
)
def test_bad_registrations_are_one_line_naming_the_row(contest, rows, message):
    with pytest.raises(CollegeError, match=message) as caught:
        delegate_list(contest, rows, "delegates.csv")
    assert str(caught.value).startswith("delegates.csv line 2")


def test_the_delegates_command_lists_the_meeting_and_the_fees():
    ran = runner.invoke(app, ["delegates", str(CONTEST_FILE), str(EXAMPLE / "delegates.csv"), "--format", "json"])
    assert ran.exit_code == 0, ran.output
    listed = json.loads(ran.output)
    assert listed["total_due"] == "270.00" and len(listed["delegates"]) == 5
    ran = runner.invoke(app, ["delegates", str(CONTEST_FILE), str(EXAMPLE / "delegates.csv")], env={"COLUMNS": "120"})
    assert ran.exit_code == 0 and "fees due, by body" in ran.output and "270.00" in ran.output


def test_the_nec_report_can_list_the_delegates_and_the_public_report_never_does(tmp_path):
    from datetime import UTC, datetime

    from college.count.rules import count
    from college.declaration import parse_contest, write_declaration
    from tests.helpers import declare
    from tests.test_reports import small_profiles

    text = CONTEST_FILE.read_text(encoding="utf-8")
    declaration = declare(
        contest_file=text, result=count(parse_contest(text), small_profiles()), profiles=small_profiles(),
        declared_at=datetime(2026, 7, 4, 14, 0, tzinfo=UTC), declared_by=["Chair"],
        sealed_result_digest="a" * 64, ledger_head="b" * 64,
    )
    declared = write_declaration(declaration, tmp_path / "declaration.json")
    ran = runner.invoke(app, ["report", str(declared), "--out", str(tmp_path / "r"), "--format", "json,pdf",
                              "--delegates", str(EXAMPLE / "delegates.csv")])
    assert ran.exit_code == 0, ran.output
    nec = json.loads((tmp_path / "r" / "nec-report.json").read_text(encoding="utf-8"))
    tables = {table["id"]: table for table in nec["tables"]}
    assert tables["delegate-fees"]["rows"][-1] == ["total", 5, None, None, "270.00"]
    assert ["Makers' Union", "Sam Delegate", "post", "60.00"] in tables["delegates"]["rows"]
    public = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert not {"delegates", "delegate-fees"} & {table["id"] for table in public["tables"]}
    assert "Sam Delegate" in flat(" ".join(p.extract_text() for p in PdfReader(tmp_path / "r" / "nec-report.pdf").pages))
    bad = runner.invoke(app, ["report", str(declared), "--out", str(tmp_path / "s"), "--delegates", str(tmp_path / "none.csv")])
    assert bad.exit_code == 2 and "none.csv: file not found" in bad.output
