"""Nominations (seed 003 items 5-10): one test for each rule, bad files, and 2010.

Scenarios are built as real files (roll, nominations, decisions, supporting) in a
temporary folder, so every test goes through the same reading as the command line.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from college.contest import load_contest
from college.errors import CollegeError
from college.nominations import (
    Conclusion,
    Inputs,
    Nomination,
    NominationsConfig,
    NomineeDecision,
    RollMember,
    Row,
    NominationsOutcome,
    NomineeStanding,
    PositionOutcome,
    Status,
    ballot_order,
    certified_counts,
    contest_text,
    load,
    outcome,
    threshold,
)
from tests.conftest import EXAMPLES, REPO

EXAMPLE_2010 = EXAMPLES / "2010-leader-nominations"
START = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
NOMINEES = [("ann", "Ann Example"), ("bob", "Bob Example"), ("cat", "Cat Example")]


def at(minute: int | None) -> str:
    return "" if minute is None else (START + timedelta(minutes=minute)).isoformat()


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def scenario(
    folder: Path,
    *,
    commons: int = 20,
    others: list[tuple[str, str, str]] = (),
    nominations: list[tuple] = (),
    decisions: list[tuple] = (),
    supporting: list[tuple] = (),
    positions: list[dict] | None = None,
    accept_all: bool = True,
    **config,
) -> Path:
    """The nominations file of a scenario; returns its path.

    Roll: the three nominees (ids ann, bob, cat) then m001... up to `commons` Commons members,
    then `others` (id, name, house). nominations: (mp, nominee, minute[, withdrawn minute[, position]]).
    decisions: (nominee, decision, minute[, position]); with `accept_all`, every nominee accepts at minute 0
    first. supporting: (body, name, kind, nominee, minute, certified, signed_by[, position]).
    """
    folder.mkdir(parents=True, exist_ok=True)
    roll = [(i, n, "commons") for i, n in NOMINEES]
    roll += [(f"m{k:03d}", f"Member {k:03d}", "commons") for k in range(1, commons - len(NOMINEES) + 1)]
    roll += list(others)
    write_csv(folder / "roll.csv", ["id", "name", "house"], roll)
    write_csv(
        folder / "plp.csv",
        ["mp", "nominee", "position", "when", "withdrawn"],
        [[r[0], r[1], r[4] if len(r) > 4 else "leader", at(r[2]), at(r[3] if len(r) > 3 else None)] for r in nominations],
    )
    made = []
    if accept_all:
        made += [{"nominee": n, "position": "leader", "decision": "accepted", "when": at(0)} for _, n in NOMINEES]
    made += [
        {"nominee": d[0], "position": d[3] if len(d) > 3 else "leader", "decision": d[1], "when": at(d[2])}
        for d in decisions
    ]
    (folder / "decisions.json").write_text(json.dumps(made), encoding="utf-8")
    write_csv(
        folder / "supporting.csv",
        ["body", "name", "kind", "position", "nominee", "when", "certified_members", "signed_by"],
        [[s[0], s[1], s[2], s[7] if len(s) > 7 else "leader", s[3], at(s[4]), s[5] or "", s[6] or ""] for s in supporting],
    )
    positions = positions or [{"id": "leader", "name": "Leader", "contest": "test-leader"}]
    lines = [
        'roll = "roll.csv"',
        'nominations = ["plp.csv"]',
        'decisions = ["decisions.json"]',
        'supporting = ["supporting.csv"]',
    ]
    lines += [f"{key} = {json.dumps(value) if isinstance(value, str) else value}" for key, value in config.items()]
    for position in positions:
        lines.append("[[positions]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in position.items()]
    path = folder / "nominations.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def result_of(folder: Path, **kwargs) -> NominationsOutcome:
    return outcome(load(scenario(folder, **kwargs)))


def mps(count: int, start: int = 1) -> list[str]:
    return [f"m{k:03d}" for k in range(start, start + count)]


# ---------------------------------------------------------------------------
# The threshold [6]
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "commons, short, enough, arithmetic",
    [
        (353, 44, 45, "12.5% of 353 = 44.125, rounded up: 45"),
        (257, 32, 33, "12.5% of 257 = 32.125, rounded up: 33"),
    ],
)
def test_threshold_boundary(tmp_path, commons, short, enough, arithmetic):
    # Ann one nomination short, Bob exactly at the threshold.
    nominations = [(mp, "Ann Example", 1) for mp in mps(short)]
    nominations += [(mp, "Bob Example", 2) for mp in mps(enough, start=short + 1)]
    result = result_of(tmp_path, commons=commons, nominations=nominations)
    (leader,) = result.positions
    assert leader.threshold.required == enough
    assert leader.threshold.arithmetic == arithmetic
    by_name = {n.nominee: n for n in leader.nominees}
    assert by_name["Ann Example"].nominations == short
    assert by_name["Ann Example"].standing is NomineeStanding.short
    assert by_name["Ann Example"].reason == f"not nominated: {short} valid nominations, 1 short of {enough}"
    assert by_name["Bob Example"].standing is NomineeStanding.validly_nominated
    assert leader.candidates == ["Bob Example"]


def test_challenge_uses_its_own_configurable_percentage(tmp_path):
    # 20% of 257 = 51.4, so 52 are needed; 51 fall short.
    nominations = [(mp, "Ann Example", 1) for mp in mps(51)] + [(mp, "Bob Example", 1) for mp in mps(52, start=52)]
    result = result_of(
        tmp_path,
        commons=257,
        nominations=nominations,
        positions=[{"id": "leader", "name": "Leader", "contest": "c", "basis": "challenge"}],
    )
    (leader,) = result.positions
    assert leader.threshold.arithmetic == "20% of 257 = 51.4, rounded up: 52"
    assert leader.candidates == ["Bob Example"]
    custom = result_of(tmp_path / "custom", commons=257, nominations=nominations, vacancy_percent="15")
    assert custom.positions[0].threshold.arithmetic == "15% of 257 = 38.55, rounded up: 39"


def test_a_whole_number_needs_no_rounding():
    assert threshold("20", 250).arithmetic == "20% of 250 = 50, a whole number: 50"


@given(
    whole=st.integers(min_value=0, max_value=100),
    decimals=st.integers(min_value=0, max_value=999),
    commons=st.integers(min_value=1, max_value=5000),
)
def test_threshold_is_the_least_number_of_nominations_reaching_the_percentage(whole, decimals, commons):
    assume(0 < whole * 1000 + decimals <= 100_000)
    percent = f"{whole}.{decimals:03d}"
    needed = threshold(percent, commons).required
    # In integers: k nominations reach the threshold when k * 100 * 1000 >= (percent * 1000) * commons.
    scaled = whole * 1000 + decimals
    assert needed * 100_000 >= scaled * commons
    assert (needed - 1) * 100_000 < scaled * commons


def test_only_commons_members_count_towards_the_threshold_and_nominate(tmp_path):
    meps = [(f"mep{k}", f"European {k}", "european") for k in range(40)]
    result = result_of(
        tmp_path,
        commons=257,
        others=meps + [("peer", "A Peer", "lords")],
        nominations=[("mep0", "Ann Example", 1), ("A Peer", "Ann Example", 2)],
    )
    (leader,) = result.positions
    assert leader.threshold.commons_members == 257 and leader.threshold.required == 33
    mep, peer = leader.plp_nominations
    assert mep.status is Status.rejected and "european member" in mep.reason
    assert peer.status is Status.rejected and "lords member" in peer.reason


# ---------------------------------------------------------------------------
# One nomination per MP per position [5-7]
# ---------------------------------------------------------------------------


def test_second_nomination_is_rejected_and_the_first_stands(tmp_path):
    # File order is Bob first, but m001 nominated Ann a minute earlier: Ann's stands.
    result = result_of(tmp_path, commons=8, nominations=[("m001", "Bob Example", 2), ("m001", "Ann Example", 1)])
    first, second = result.positions[0].plp_nominations
    assert (first.nominee, first.status) == ("Ann Example", Status.valid)
    assert (second.nominee, second.status) == ("Bob Example", Status.rejected)
    assert second.reason.startswith("second nomination for Leader: Member 001 already nominated Ann Example at ")
    assert second.reason.endswith("the first stands")
    assert second.source == "plp.csv line 2"


def test_same_time_falls_back_to_file_order(tmp_path):
    result = result_of(tmp_path, commons=8, nominations=[("m001", "Bob Example", 5), ("m001", "Ann Example", 5)])
    first, second = result.positions[0].plp_nominations
    assert first.nominee == "Bob Example" and first.status is Status.valid
    assert second.status is Status.rejected


def test_an_mp_named_instead_of_identified_is_the_same_mp(tmp_path):
    result = result_of(tmp_path, commons=8, nominations=[("m001", "Ann Example", 1), ("  member   001 ", "Bob Example", 2)])
    second = result.positions[0].plp_nominations[1]
    assert second.status is Status.rejected and second.mp == "Member 001" and second.mp_id == "m001"


def test_nomination_from_outside_the_roll_is_rejected(tmp_path):
    result = result_of(tmp_path, commons=8, nominations=[("Not A Member", "Ann Example", 1), ("m001", "Ann Example", 1)])
    outsider, member = result.positions[0].plp_nominations
    assert outsider.status is Status.rejected and outsider.reason == "'Not A Member' is not on the PLP roll"
    assert outsider.mp_id is None
    assert result.positions[0].nominees[0].nominations == 1


def test_an_ambiguous_name_must_be_given_as_an_id(tmp_path):
    twins = [("twin1", "Sam Twin", "commons"), ("twin2", "Sam Twin", "commons")]
    result = result_of(tmp_path, commons=8, others=twins, nominations=[("Sam Twin", "Ann Example", 1)])
    (record,) = result.positions[0].plp_nominations
    assert record.status is Status.rejected and "give the id" in record.reason


def test_withdrawn_nomination_is_recorded_not_counted_and_frees_the_mp(tmp_path):
    # m001 nominates Ann, withdraws at minute 10, then nominates Bob at 11: Bob's counts.
    # m002 nominates Bob at 3 while their Ann nomination still stands (withdrawn only at 10): rejected.
    result = result_of(
        tmp_path,
        commons=8,
        nominations=[("m001", "Ann Example", 1, 10), ("m001", "Bob Example", 11), ("m002", "Ann Example", 1, 10),
                     ("m002", "Bob Example", 3)],
    )
    leader = result.positions[0]
    statuses = [(r.mp_id, r.nominee, r.status) for r in leader.plp_nominations]
    assert statuses == [
        ("m001", "Ann Example", Status.withdrawn),
        ("m002", "Ann Example", Status.withdrawn),
        ("m002", "Bob Example", Status.rejected),
        ("m001", "Bob Example", Status.valid),
    ]
    assert leader.plp_nominations[0].reason.startswith("withdrawn at ")
    counts = {n.nominee: n.nominations for n in leader.nominees}
    assert counts == {"Ann Example": 0, "Bob Example": 1, "Cat Example": 0}


def test_nominee_must_be_a_commons_member(tmp_path):
    result = result_of(
        tmp_path, commons=8, others=[("mep", "Eve European", "european")],
        nominations=[("m001", "Eve European", 1), ("m002", "Zed Nobody", 1)],
    )
    mep, nobody = result.positions[0].plp_nominations
    assert mep.reason == "nominee 'Eve European' is not a Commons member of the PLP"
    assert nobody.reason == "nominee 'Zed Nobody' is not on the PLP roll"


def calendar_file(folder: Path, closes: str, supporting_closes: str) -> str:
    """A contest file holding only the timetable: the nominations read their closing times from it."""
    folder.mkdir(parents=True, exist_ok=True)
    opens = (datetime.fromisoformat(closes) - timedelta(days=7)).isoformat()
    (folder / "contest.toml").write_text(
        "[calendar]\n"
        "announcement = 2026-04-20\ncommencement = 2026-04-22\nnotice_sent = 2026-04-23\n"
        f"nominations_open = {opens}\nnominations_close = {closes}\n"
        f"supporting_papers_sent = 2026-04-28\nsupporting_close = {supporting_closes}\n"
        "recruitment_freeze = 2026-04-22\nreturns_deadline = 2026-06-20T12:00:00+01:00\ncollege_meeting = 2026-06-27\n",
        encoding="utf-8",
    )
    return "contest.toml"


def test_nominations_after_the_close_are_rejected(tmp_path):
    result = result_of(
        tmp_path,
        commons=8,
        nominations=[("m001", "Ann Example", 59), ("m002", "Ann Example", 61)],
        calendar=calendar_file(tmp_path, at(60), at(600)),
    )
    assert result.closes == START + timedelta(minutes=60)
    on_time, late = result.positions[0].plp_nominations
    assert on_time.status is Status.valid
    assert late.status is Status.rejected and late.reason.startswith("made after nominations closed at ")


def test_supporting_nominations_after_their_close_are_rejected(tmp_path):
    society = ("soc", "A Society", "socialist_society")
    result = result_of(
        tmp_path,
        commons=8,
        supporting=[(*society, "Ann Example", 599, 100, "A. Officer"), ("clp", "A CLP", "clp", "Bob Example", 601, None, None)],
        calendar=calendar_file(tmp_path, at(60), at(600)),
    )
    on_time, late = result.positions[0].supporting
    assert on_time.status is Status.valid
    assert late.status is Status.rejected and late.reason.startswith("made after supporting nominations closed at ")


def test_the_calendar_must_keep_its_rules(tmp_path):
    with pytest.raises(CollegeError, match=r"contest.toml: calendar: .*\[supporting-close-before-sent\]"):
        result_of(tmp_path, commons=8, calendar=calendar_file(tmp_path, at(60), "2026-04-28T12:00:00+01:00"))


# ---------------------------------------------------------------------------
# Acceptance [accept or decline in writing] and the outcome
# ---------------------------------------------------------------------------


def enough_for(nominee: str, start: int, count: int = 3) -> list[tuple]:
    return [(mp, nominee, 1) for mp in mps(count, start=start)]


def test_nominee_who_declines_is_not_on_the_ballot(tmp_path):
    # 16 Commons members: 12.5% = 2. All three reach it; Cat declines (after accepting: the latest stands).
    result = result_of(
        tmp_path,
        commons=16,
        nominations=enough_for("Ann Example", 1) + enough_for("Bob Example", 4) + enough_for("Cat Example", 7),
        decisions=[("Cat Example", "declined", 5)],
    )
    leader = result.positions[0]
    cat = next(n for n in leader.nominees if n.nominee == "Cat Example")
    assert cat.standing is NomineeStanding.declined and cat.nominations == 3
    assert leader.candidates == ["Ann Example", "Bob Example"]
    assert leader.conclusion is Conclusion.ballot


def test_a_nominee_who_has_not_accepted_is_not_on_the_ballot_and_blocks_the_contest_file(tmp_path):
    result = result_of(
        tmp_path,
        commons=16,
        accept_all=False,
        nominations=enough_for("Ann Example", 1) + enough_for("Bob Example", 4) + enough_for("Cat Example", 7),
        decisions=[("Ann Example", "accepted", 1), ("bob", "accepted", 1)],
    )
    leader = result.positions[0]
    assert leader.candidates == ["Ann Example", "Bob Example"]
    assert leader.awaiting == ["Cat Example"]
    assert "Still to accept or decline: Cat Example." in leader.statement
    with pytest.raises(CollegeError, match="while Cat Example has not accepted or declined"):
        contest_text(leader)


def test_unopposed(tmp_path):
    result = result_of(tmp_path, commons=16, nominations=enough_for("Ann Example", 1) + [("m004", "Bob Example", 1)])
    leader = result.positions[0]
    assert leader.conclusion is Conclusion.unopposed and leader.candidates == ["Ann Example"]
    assert "Ann Example is the only validly nominated candidate for Leader and is elected unopposed" in leader.statement
    with pytest.raises(CollegeError, match="elected unopposed"):
        contest_text(leader)


def test_none_validly_nominated(tmp_path):
    result = result_of(tmp_path, commons=16, nominations=[("m001", "Ann Example", 1)])
    leader = result.positions[0]
    assert leader.conclusion is Conclusion.none and leader.candidates == []
    assert leader.statement.startswith("No candidate is validly nominated for Leader (threshold 2 nominations)")


def test_no_nominations_yet_is_not_an_error(tmp_path):
    result = result_of(tmp_path, commons=16, accept_all=False)
    assert result.positions[0].conclusion is Conclusion.none and result.as_of is None


def test_two_positions_are_counted_apart(tmp_path):
    # An MP may nominate once for each position.
    positions = [{"id": "leader", "name": "Leader", "contest": "l"}, {"id": "deputy", "name": "Deputy Leader", "contest": "d"}]
    result = result_of(
        tmp_path,
        commons=8,
        positions=positions,
        nominations=[("m001", "Ann Example", 1), ("m001", "Bob Example", 2, None, "deputy")],
        decisions=[("Bob Example", "accepted", 0, "deputy")],
    )
    leader, deputy = result.positions
    assert [r.status for r in leader.plp_nominations + deputy.plp_nominations] == [Status.valid, Status.valid]
    assert leader.candidates == ["Ann Example"] and deputy.candidates == ["Bob Example"]


def test_ballot_order_is_by_surname():
    names = ["Ed Miliband", "Diane Abbott", "David Miliband", "Andy Burnham", "Ed Balls"]
    assert sorted(names, key=ballot_order) == ["Diane Abbott", "Ed Balls", "Andy Burnham", "David Miliband", "Ed Miliband"]


# ---------------------------------------------------------------------------
# Supporting nominations [8-10]
# ---------------------------------------------------------------------------


def test_society_supporting_nomination_needs_a_certified_count(tmp_path):
    result = result_of(
        tmp_path,
        supporting=[
            ("soc", "A Society", "socialist_society", "Ann Example", 1, None, "An Officer"),
            ("soc", "A Society", "socialist_society", "Ann Example", 2, 1200, "An Officer"),
        ],
    )
    uncertified, certified = result.positions[0].supporting
    assert uncertified.status is Status.rejected
    assert uncertified.reason.startswith("a socialist society's supporting nomination needs its certified count")
    # A corrected form after a rejected one is the society's first valid nomination.
    assert certified.status is Status.valid
    assert certified_counts(result) == {"soc": 1200}


def test_society_supporting_nomination_must_be_signed(tmp_path):
    result = result_of(tmp_path, supporting=[("soc", "A Society", "socialist_society", "Ann Example", 1, 900, None)])
    (record,) = result.positions[0].supporting
    assert record.status is Status.rejected and "Responsible Officer" in record.reason
    assert certified_counts(result) == {}


def test_second_supporting_nomination_for_a_position_is_rejected(tmp_path):
    result = result_of(
        tmp_path,
        supporting=[
            ("soc", "A Society", "socialist_society", "Bob Example", 2, 500, "An Officer"),
            ("soc", "A Society", "socialist_society", "Ann Example", 1, 500, "An Officer"),
            ("clp", "East CLP", "clp", "Ann Example", 1, None, None),
            ("clp", "East CLP", "clp", "Bob Example", 3, None, None),
        ],
    )
    records = {(r.body, r.nominee): r for r in result.positions[0].supporting}
    assert records["soc", "Ann Example"].status is Status.valid
    assert records["soc", "Bob Example"].status is Status.rejected
    assert records["soc", "Bob Example"].reason.startswith(
        "second supporting nomination for Leader: A Society already nominated Ann Example"
    )
    assert records["clp", "Ann Example"].status is Status.valid and records["clp", "Ann Example"].certified_members is None
    assert records["clp", "Bob Example"].status is Status.rejected
    ann = next(n for n in result.positions[0].nominees if n.nominee == "Ann Example")
    assert ann.supporting == 2


def test_one_society_may_support_once_per_position_with_one_certified_count(tmp_path):
    positions = [{"id": "leader", "name": "Leader", "contest": "l"}, {"id": "deputy", "name": "Deputy Leader", "contest": "d"}]
    result = result_of(
        tmp_path,
        positions=positions,
        supporting=[
            ("soc", "A Society", "socialist_society", "Ann Example", 1, 700, "An Officer"),
            ("soc", "A Society", "socialist_society", "Bob Example", 2, 700, "An Officer", "deputy"),
            ("other", "Other Society", "socialist_society", "Ann Example", 1, 300, "An Officer"),
            ("other", "Other Society", "socialist_society", "Bob Example", 2, 350, "An Officer", "deputy"),
        ],
    )
    leader, deputy = result.positions
    assert [r.status for r in leader.supporting] == [Status.valid, Status.valid]
    soc, other = deputy.supporting
    assert soc.status is Status.valid
    assert other.status is Status.rejected
    assert other.reason == "certified count 350 differs from the 300 certified with its nomination for Leader"
    assert certified_counts(result) == {"other": 300, "soc": 700}


# ---------------------------------------------------------------------------
# Bad files: one clear message each, naming the file and the field
# ---------------------------------------------------------------------------


def error_for(path: Path) -> CollegeError:
    with pytest.raises(CollegeError) as caught:
        load(path)
    return caught.value


def test_wrong_type_in_a_csv_row(tmp_path):
    path = scenario(tmp_path, nominations=[("m001", "Ann Example", 1)])
    (tmp_path / "plp.csv").write_text("mp,nominee,position,when\nm001,Ann Example,leader,yesterday\n")
    error = error_for(path)
    assert error.file.endswith("plp.csv line 2") and error.field == "when"
    assert "datetime" in error.message


def test_a_time_without_a_zone_is_refused(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "plp.csv").write_text("mp,nominee,position,when\nm001,Ann Example,leader,2026-05-01T09:00:00\n")
    error = error_for(path)
    assert error.field == "when" and "timezone" in error.message


def test_wrong_type_in_a_json_row(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "decisions.json").write_text(json.dumps([{"nominee": "ann", "position": "leader", "decision": "maybe", "when": at(1)}]))
    error = error_for(path)
    assert error.file.endswith("decisions.json item 1") and error.field == "decision"


def test_certified_count_must_be_a_whole_number(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "supporting.csv").write_text(
        "body,name,kind,position,nominee,when,certified_members\nsoc,S,socialist_society,leader,ann,2026-05-01T09:00:00Z,many\n"
    )
    error = error_for(path)
    assert error.field == "certified_members" and "integer" in error.message


def test_unknown_position(tmp_path):
    path = scenario(tmp_path, nominations=[("m001", "Ann Example", 1, None, "treasurer")])
    error = error_for(path)
    assert error.file == f"{tmp_path / 'plp.csv'} line 2" and error.field == "position"
    assert error.message == "unknown position 'treasurer' (positions: leader)"


def test_empty_file(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "plp.csv").write_bytes(b"")
    error = error_for(path)
    assert error.file.endswith("plp.csv") and error.message == "the file is empty: expected a header row"
    (tmp_path / "plp.csv").write_text("mp,nominee,position,when\n")
    (tmp_path / "decisions.json").write_text("  \n")
    assert error_for(path).message == "the file is empty: expected a JSON list"


def test_malformed_csv(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "plp.csv").write_text('mp,nominee,position,when\nm001,"Ann Example,leader,2026-05-01T09:00:00Z\n')
    error = error_for(path)
    assert error.file.endswith("plp.csv") and error.message.startswith("malformed CSV at line ")
    (tmp_path / "plp.csv").write_text("mp,nominee,position,when\nm001,Ann Example,leader\n")
    error = error_for(path)
    assert error.file.endswith("plp.csv line 2") and error.message == "3 cells where the header has 4"


@pytest.mark.parametrize(
    "header, message",
    [
        ("mp,nominee,position,when,colour", "unknown column 'colour' (columns: mp, nominee, position, when, withdrawn)"),
        ("mp,nominee,position", "missing column 'when'"),
        ("mp,nominee,position,when,when", "column 'when' appears more than once"),
    ],
)
def test_bad_csv_header(tmp_path, header, message):
    path = scenario(tmp_path)
    (tmp_path / "plp.csv").write_text(header + "\n")
    error = error_for(path)
    assert error.field == "header" and error.message == message


def test_json_must_be_a_list_of_rows(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "decisions.json").write_text('{"nominee": "ann"}')
    assert error_for(path).message == "expected a JSON list of rows"
    (tmp_path / "decisions.json").write_text('[{"nominee": "ann",]')
    assert error_for(path).message.startswith("not valid JSON (")


def test_bad_nominations_file(tmp_path):
    path = scenario(tmp_path)
    path.write_text('roll = "roll.csv"\nvacancy_percent = "a lot"\n[[positions]]\nid = "leader"\nname = "Leader"\ncontest = "c"\n')
    error = error_for(path)
    assert error.field == "vacancy_percent" and error.file == str(path)
    path.write_text('roll = "roll.csv"\nvacancy_percent = "120"\n[[positions]]\nid = "leader"\nname = "Leader"\ncontest = "c"\n')
    assert "at most 100" in error_for(path).message
    path.write_text('roll = "roll.csv"\npositions = []\n')
    assert error_for(path).field == "positions"
    path.write_text("roll = \n")
    assert error_for(path).message.startswith("not valid TOML")
    path.write_text('roll = "missing.csv"\n[[positions]]\nid = "leader"\nname = "Leader"\ncontest = "c"\n')
    error = error_for(path)
    assert error.message == "file not found" and error.file.endswith("missing.csv")


def test_bad_roll(tmp_path):
    path = scenario(tmp_path)
    (tmp_path / "roll.csv").write_text("id,name,house\nann,Ann Example,commons\nann,Ann Again,commons\n")
    error = error_for(path)
    assert error.file == f"{tmp_path / 'roll.csv'} line 3" and error.field == "id"
    (tmp_path / "roll.csv").write_text("id,name,house\nmep,A European,european\n")
    assert error_for(path).message == "no Commons members: the threshold is a share of them"
    (tmp_path / "roll.csv").write_text("id,name,house\nann,Ann Example,parliament\n")
    assert error_for(path).field == "house"


def test_withdrawn_before_made_is_an_error(tmp_path):
    path = scenario(tmp_path, nominations=[("m001", "Ann Example", 10, 5)])
    error = error_for(path)
    assert error.file.endswith("plp.csv line 2") and error.message == "Value error, withdrawn: earlier than the nomination was made"


def test_decision_by_someone_not_on_the_roll(tmp_path):
    path = scenario(tmp_path, decisions=[("Zed Nobody", "accepted", 1)])
    with pytest.raises(CollegeError) as caught:
        outcome(load(path))
    assert caught.value.field == "nominee" and caught.value.message == "nominee 'Zed Nobody' is not on the PLP roll"


# ---------------------------------------------------------------------------
# 2010: the published figures reproduce the ballot
# ---------------------------------------------------------------------------


def test_2010_leader_nominations():
    result = outcome(load(EXAMPLE_2010 / "nominations.toml"))
    (leader,) = result.positions
    assert leader.threshold.commons_members == 257
    assert leader.threshold.arithmetic == "12.5% of 257 = 32.125, rounded up: 33"
    published = {"David Miliband": 81, "Ed Miliband": 63, "Ed Balls": 33, "Andy Burnham": 33, "Diane Abbott": 33}
    counts = {n.nominee: n.nominations for n in leader.nominees}
    assert {name: counts[name] for name in published} == published
    assert sorted(leader.candidates) == sorted(published)
    assert leader.conclusion is Conclusion.ballot
    mcdonnell = next(n for n in leader.nominees if n.nominee == "John McDonnell")
    assert mcdonnell.standing is NomineeStanding.withdrawn
    assert mcdonnell.nominations == 6 and "27 short of 33" in mcdonnell.reason
    withdrawn = [r for r in leader.plp_nominations if r.status is Status.withdrawn]
    assert len(withdrawn) == 10 and {r.nominee for r in withdrawn} == {"John McDonnell"}
    # The ten who withdrew from McDonnell are among Abbott's 33.
    abbott = next(n for n in leader.nominees if n.nominee == "Diane Abbott")
    assert {r.mp for r in withdrawn} <= set(abbott.nominators)
    assert "David Miliband" in abbott.nominators


def test_2010_contest_file_is_generated_and_counts(tmp_path):
    result = outcome(load(EXAMPLE_2010 / "nominations.toml"))
    text = contest_text(result.positions[0])
    path = tmp_path / "contest.toml"
    path.write_text(text)
    contest = load_contest(path)
    assert contest.id == "2010-leader" and contest.position == "Leader"
    assert contest.candidates == ["Diane Abbott", "Ed Balls", "Andy Burnham", "David Miliband", "Ed Miliband"]


# ---------------------------------------------------------------------------
# The contest file's candidates
# ---------------------------------------------------------------------------


def two_candidates(tmp_path) -> PositionOutcome:
    return result_of(tmp_path, commons=16, nominations=enough_for("Ann Example", 1) + enough_for("Bob Example", 4)).positions[0]


def test_updating_a_contest_file_keeps_everything_else(tmp_path):
    existing = (REPO / "tests" / "data" / "smallest_contest.toml").read_text()
    existing = existing.replace('id = "2026-leader"', 'id = "test-leader"') + "# the committee's note\n"
    text = contest_text(two_candidates(tmp_path), existing)
    assert "# the committee's note" in text and 'lot_seed = "fixed by the committee before the count"' in text
    path = tmp_path / "contest.toml"
    path.write_text(text)
    contest = load_contest(path)
    assert contest.candidates == ["Ann Example", "Bob Example"]
    assert contest.lot_seed == "fixed by the committee before the count" and len(contest.sections) == 3


def test_a_contest_file_for_another_contest_is_refused(tmp_path):
    existing = (REPO / "tests" / "data" / "smallest_contest.toml").read_text()
    with pytest.raises(CollegeError, match="this contest file is for '2026-leader', the nominations are for 'test-leader'"):
        contest_text(two_candidates(tmp_path), existing, file="contest.toml")


def test_a_withdrawn_candidate_kept_as_excluded_must_not_be_a_candidate(tmp_path):
    existing = (REPO / "tests" / "data" / "smallest_contest.toml").read_text()
    existing = existing.replace('id = "2026-leader"', 'id = "test-leader"').replace(
        'candidates = ["Ann Example", "Bob Example", "Cat Example"]',
        'candidates = ["Ann Example", "Bob Example", "Cat Example"]\nexcluded = ["Bob Example"]',
    )
    with pytest.raises(CollegeError, match="excluded"):
        contest_text(two_candidates(tmp_path), existing)


@pytest.mark.parametrize(
    "row, field",
    [
        ({"nominee": "ann", "position": "leader", "decision": "accepted", "when": 1275000000}, "when"),
        ({"nominee": 5, "position": "leader", "decision": "accepted", "when": "2026-05-01T09:00:00Z"}, "nominee"),
        ({"nominee": "ann", "position": "leader", "decision": "accepted", "when": "2026-05-01T09:00:00Z", "x": 1}, "x"),
        ("just a string", "(top level)"),
    ],
)
def test_json_rows_are_typed_strictly(tmp_path, row, field):
    path = scenario(tmp_path)
    (tmp_path / "decisions.json").write_text(json.dumps([row]))
    error = error_for(path)
    assert error.file.endswith("decisions.json item 1") and error.field == field


# ---------------------------------------------------------------------------
# Invariants over random nominations (built in memory: the rules, not the files)
# ---------------------------------------------------------------------------


def in_memory(nominations: list[tuple[str, str, int, int | None]], commons: int = 12) -> Inputs:
    roll = [RollMember(id=i, name=n, house="commons") for i, n in NOMINEES]
    roll += [RollMember(id=f"m{k:03d}", name=f"Member {k:03d}", house="commons") for k in range(1, commons - 2)]
    rows = [
        Nomination(mp=mp, nominee=nominee, position="leader", when=START + timedelta(minutes=when),
                   withdrawn=None if withdrawn is None else START + timedelta(minutes=when + withdrawn))
        for mp, nominee, when, withdrawn in nominations
    ]
    decisions = [NomineeDecision(nominee=n, position="leader", decision="accepted", when=START) for _, n in NOMINEES]
    return Inputs(
        config=NominationsConfig(roll="roll.csv", positions=[{"id": "leader", "name": "Leader", "contest": "c"}]),
        roll=[Row(f"roll {k}", f"roll {k}", k, member) for k, member in enumerate(roll)],
        nominations=[Row(f"plp {k}", f"plp {k}", k, row) for k, row in enumerate(rows)],
        decisions=[Row(f"d {k}", f"d {k}", k, row) for k, row in enumerate(decisions)],
        supporting=[],
        sources=[],
    )


random_nominations = st.lists(
    st.tuples(
        st.sampled_from(["m001", "m002", "m003", "m004", "Member 005", "ann", "nobody"]),
        st.sampled_from([n for _, n in NOMINEES] + ["Zed Nobody"]),
        st.integers(min_value=0, max_value=30),
        st.none() | st.integers(min_value=0, max_value=10),
    ),
    max_size=25,
)


@given(random_nominations)
def test_each_mp_has_at_most_one_standing_nomination_at_any_time(nominations):
    (leader,) = outcome(in_memory(nominations)).positions
    counted = [r for r in leader.plp_nominations if r.status is not Status.rejected]  # in the order made
    for k, record in enumerate(counted):
        standing_before = [
            other for other in counted[:k]
            if other.mp_id == record.mp_id and (other.withdrawn is None or other.withdrawn > record.when)
        ]
        assert not standing_before
    valid = [r for r in leader.plp_nominations if r.status is Status.valid]
    assert len({r.mp_id for r in valid}) == len(valid) <= leader.threshold.commons_members
    assert sum(n.nominations for n in leader.nominees) == len(valid)
    assert all(r.reason for r in leader.plp_nominations if r.status is Status.rejected)


@given(random_nominations, st.randoms())
def test_file_order_only_matters_between_nominations_made_at_the_same_time(nominations, rng):
    # Distinct times by construction, then the rows written to the file in another order.
    unique = [(mp, nominee, 40 * k + when, withdrawn) for k, (mp, nominee, when, withdrawn) in enumerate(nominations)]
    shuffled = list(unique)
    rng.shuffle(shuffled)
    first, second = outcome(in_memory(unique)).positions[0], outcome(in_memory(shuffled)).positions[0]
    assert first.nominees == second.nominees and first.candidates == second.candidates


# ---------------------------------------------------------------------------
# A challenge: the incumbent is on the ballot without nominations
# ---------------------------------------------------------------------------

CHALLENGE = [{"id": "leader", "name": "Leader", "contest": "c", "basis": "challenge", "incumbent": "ann"}]


def test_a_challenger_over_the_threshold_faces_the_incumbent(tmp_path):
    # 20 Commons members: 20% = 4. Bob has 4, Cat 3.
    result = result_of(
        tmp_path, positions=CHALLENGE, nominations=enough_for("Bob Example", 1, 4) + enough_for("Cat Example", 5)
    )
    leader = result.positions[0]
    assert leader.threshold.required == 4
    assert leader.candidates == ["Ann Example", "Bob Example"] and leader.conclusion is Conclusion.ballot
    ann = next(n for n in leader.nominees if n.nominee == "Ann Example")
    assert ann.standing is NomineeStanding.incumbent and ann.nominations == 0


def test_no_valid_challenger_leaves_the_incumbent_in_post(tmp_path):
    result = result_of(tmp_path, positions=CHALLENGE, nominations=enough_for("Bob Example", 1))
    leader = result.positions[0]
    assert leader.conclusion is Conclusion.no_challenge
    assert leader.statement.startswith("No challenger is validly nominated for Leader (threshold 4 nominations): "
                                       "Ann Example remains Leader")


def test_an_incumbent_who_declines_leaves_the_challenger_unopposed(tmp_path):
    result = result_of(
        tmp_path, positions=CHALLENGE, nominations=enough_for("Bob Example", 1, 4),
        decisions=[("Ann Example", "declined", 2)],
    )
    assert result.positions[0].conclusion is Conclusion.unopposed
    assert result.positions[0].candidates == ["Bob Example"]


def test_incumbent_only_in_a_challenge_and_on_the_roll(tmp_path):
    path = scenario(tmp_path, positions=[{"id": "leader", "name": "Leader", "contest": "c", "incumbent": "ann"}])
    assert "only for a challenge" in error_for(path).message
    path = scenario(tmp_path, positions=[{**CHALLENGE[0], "incumbent": "Zed Nobody"}])
    with pytest.raises(CollegeError) as caught:
        outcome(load(path))
    assert caught.value.field == "positions.leader.incumbent"
    assert caught.value.message == "incumbent 'Zed Nobody' is not on the PLP roll"
