"""Returns: made from ballot data, signed, sealed, opened, verified, validated, and counted the same."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from college.ballots import preference
from college.contest import BallotRules, Contest, Duplicate, Overvote
from college.count.rules import count
from college.errors import CollegeError
from college.profile import Profile, read_profile
from college.returns import (
    EnvelopeError,
    check_return,
    check_submission,
    make_return,
    plain_ranking,
    read_envelope,
    return_profile,
    seal_payload,
    seal_return,
    section_profile,
    signed_payload,
)
from college.signing import public_text
from tests.helpers import profile, return_document

CANDIDATES = ["Ann Example", "Bob Example", "Cat Example", "Dan Example"]
DEADLINE = datetime(2026, 9, 1, 12, tzinfo=UTC)
BEFORE = DEADLINE - timedelta(days=2)

BODIES = [
    # id, kind, section, certified, declaration required
    ("ballot-plp", "party_ballot", "plp", 300, False),
    ("ballot-members", "party_ballot", "members", 5_000, False),
    ("makers-union", "trade_union", "affiliates", 2_718_281, True),
    ("fabian-readers", "socialist_society", "affiliates", 1_414_213, False),
]


@dataclass
class World:
    """A contest with a register, every body's signing key and the count's key."""

    keys: dict[str, Ed25519PrivateKey]
    count_key: X25519PrivateKey
    contest: Contest
    options: dict = field(default_factory=dict)

    def key(self, body: str) -> Ed25519PrivateKey:
        return self.keys[body]

    def body(self, body_id: str):
        return next(b for b in self.contest.register if b.id == body_id)

    def document(self, body_id: str = "makers-union", **changes) -> dict:
        """A return that passes every rule, as the JSON dict that is signed; `changes` override fields.

        Its figures are sentinels: distinctive numbers that a leak would show.
        """
        rows = [
            (["Ann Example", "Bob Example"], 731_842),
            (["Bob Example"], 264_519),
            (["Cat Example", "Dan Example", "Ann Example"], 93_177),
        ]
        data = return_document(
            self.contest, self.body(body_id), rows,
            spoilt=4_613, other_invalid=2_927, ineligible=58_361, made_at="2026-08-30T10:00:00Z",
        )
        data.update(changes)
        return data

    def sealed(self, document: dict, body_id: str | None = None, signer: Ed25519PrivateKey | None = None) -> bytes:
        body_id = body_id or document["affiliate"]
        key = signer or self.key(body_id)
        payload = signed_payload(document, key)
        return seal_payload(
            payload, key, public_text(self.count_key), contest=self.contest.id, affiliate=body_id
        )

    def check(self, data: bytes, received_at: datetime = BEFORE):
        return check_submission(data, self.contest, self.count_key, received_at)


def make_world(**contest_options) -> World:
    keys = {body_id: Ed25519PrivateKey.generate() for body_id, *_ in BODIES}
    count_key = X25519PrivateKey.generate()
    register = [
        {
            "id": body_id,
            "name": body_id.replace("-", " ").title(),
            "kind": kind,
            "section": section,
            "certified_members": certified,
            "declaration_required": declaration,
            "scrutineer": f"Scrutineer of {body_id}",
            "public_key": public_text(keys[body_id]),
        }
        for body_id, kind, section, certified, declaration in BODIES
    ]
    contest = Contest.model_validate(
        {
            "id": "2026-leader",
            "position": "Leader",
            "candidates": CANDIDATES,
            "excluded": ["Wes Withdrawn"],
            "sections": [
                {"id": "plp", "name": "PLP and EPLP", "weight": "1/3"},
                {"id": "members", "name": "Individual members", "weight": "1/3"},
                {"id": "affiliates", "name": "Affiliated organisations", "weight": "1/3"},
            ],
            "lot_seed": "fixed before the count",
            "register": register,
            "returns_deadline": DEADLINE,
            "count_public_key": public_text(count_key),
            **contest_options,
        }
    )
    return World(keys, count_key, contest)


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


# --- the round trip -----------------------------------------------------------------------


def _papers(rng: random.Random, n: int, width: int = 5) -> list[list[str]]:
    """Papers whose first preference is always valid, with gaps, overvotes, repeats and a withdrawn name later."""
    names = CANDIDATES + ["Wes Withdrawn"]
    papers = []
    for _ in range(n):
        paper = [rng.choice(CANDIDATES)]
        for _ in range(rng.randrange(width)):
            roll = rng.random()
            paper.append("" if roll < 0.1 else "|".join(rng.sample(CANDIDATES, 2)) if roll < 0.15 else rng.choice(names))
        papers.append(paper + [""] * (width + 1 - len(paper)))
    return papers


def _write(papers: list[list[str]], path, counted: bool = False) -> None:
    columns = {f"rank{i + 1}": [p[i] for p in papers] for i in range(len(papers[0]))}
    frame = pl.DataFrame(columns)
    if counted:
        frame = frame.group_by(list(columns)).agg(pl.len().cast(pl.Int64).alias("count"))
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)


def test_round_trip_counts_exactly_as_the_original_ballots(world, tmp_path):
    rng = random.Random(3)
    files = {
        "ballot-plp": ("plp.csv", 280, False),
        "ballot-members": ("members.parquet", 4_000, False),
        "makers-union": ("union.csv", 3_000, True),
        "fabian-readers": ("society.parquet", 700, True),
    }
    originals: dict[str, list[Profile]] = {}
    submissions = []
    for body_id, (name, n, counted) in files.items():
        path = tmp_path / name
        _write(_papers(rng, n), path, counted)
        ballots = read_profile(path, world.contest)
        body = world.body(body_id)
        originals.setdefault(body.section, []).append(ballots)
        ret = make_return(
            world.contest,
            body_id,
            ballots,
            papers_issued=body.certified_members,
            papers_returned=n + 7 + (3 if body.declaration_required else 0),
            spoilt=7,
            other_invalid=0,
            ineligible=3 if body.declaration_required else None,
            made_at=BEFORE - timedelta(hours=1),
        )
        assert check_return(ret, world.contest, now=BEFORE) == []
        sealed = seal_return(ret, world.key(body_id), world.contest.count_public_key)
        for name_on_paper in CANDIDATES:
            assert name_on_paper.encode() not in sealed  # nothing from inside travels in clear
        verdict = world.check(sealed)
        assert verdict.accepted and not verdict.late and not verdict.flags, verdict.problems
        assert verdict.envelope.affiliate == body_id and verdict.ret == ret
        submissions.append(verdict)

    opened = {
        section: section_profile(v.ret for v in submissions if v.ret.section == section)
        for section in ("plp", "members", "affiliates")
    }
    expected = count(world.contest, {section: sum(ps, Profile()) for section, ps in originals.items()})
    assert count(world.contest, opened) == expected
    assert expected.status == "elected"


def test_void_papers_in_the_data_are_spoilt_and_the_count_is_unchanged(world):
    ballots = profile("Ann Example>Bob Example", 50, "", 4, "Ann Example=Bob Example>Cat Example", 3, "-", 2, "Cat Example", 40)
    ret = make_return(
        world.contest, "fabian-readers", ballots, papers_issued=1_414_213, papers_returned=100, spoilt=1,
        other_invalid=0,
    )
    assert ret.spoilt == 1 + 4 + 3 + 2 and ret.valid == 90
    assert check_return(ret, world.contest, now=BEFORE) == []
    one = {"plp": return_profile(ret), "members": return_profile(ret), "affiliates": return_profile(ret)}
    raw = {"plp": ballots, "members": ballots, "affiliates": ballots}
    for ours, theirs in zip(count(world.contest, one).rounds, count(world.contest, raw).rounds):
        assert ours.college == theirs.college
        assert [s.votes for s in ours.sections] == [s.votes for s in theirs.sections]


def test_breakdown_keys_are_kept_for_reports_and_ignored_by_the_count(world):
    by_clp = {"ashford": profile("Ann Example", 3), "barrow": profile("Ann Example", 2, "Bob Example", 1)}
    ret = make_return(
        world.contest, "ballot-members", by_clp, papers_issued=5_000, papers_returned=6, spoilt=0, other_invalid=0
    )
    assert {(row.breakdown, tuple(row.ranking), row.count) for row in ret.profile} == {
        ("ashford", ("Ann Example",), 3),
        ("barrow", ("Ann Example",), 2),
        ("barrow", ("Bob Example",), 1),
    }
    assert return_profile(ret).rankings == {(("Ann Example",),): 5, (("Bob Example",),): 1}


def test_section_profile_sums_papers_one_person_one_vote(world):
    small = make_return(
        world.contest, "fabian-readers", profile("Ann Example", 10), papers_issued=1_414_213, papers_returned=10,
        spoilt=0, other_invalid=0,
    )
    large = make_return(
        world.contest, "makers-union", profile("Bob Example", 1_000, "Ann Example", 5), papers_issued=2_718_281,
        papers_returned=1_005, spoilt=0, other_invalid=0, ineligible=0,
    )
    summed = section_profile([small, large])
    assert summed.rankings == {(("Ann Example",),): 15, (("Bob Example",),): 1_000}


# --- reading a paper as a plain ranking ---------------------------------------------------

marks = st.lists(
    st.one_of(
        st.just(()),
        st.sampled_from(CANDIDATES + ["Wes Withdrawn"]).map(lambda n: (n,)),
        st.lists(st.sampled_from(CANDIDATES + ["Wes Withdrawn"]), min_size=2, max_size=3, unique=True).map(tuple),
    ),
    max_size=7,
)
rules = st.builds(
    BallotRules,
    overvote=st.sampled_from([Overvote.exhaust, Overvote.skip]),
    max_skipped_ranks=st.one_of(st.none(), st.integers(0, 2)),
    duplicate=st.sampled_from(list(Duplicate)),
)


@settings(max_examples=400, deadline=None)
@given(ranking=marks, ballot_rules=rules, continuing=st.sets(st.sampled_from(CANDIDATES)))
def test_a_plain_ranking_counts_for_whoever_the_paper_counts_for(world, ranking, ballot_rules, continuing):
    contest = world.contest.model_copy(update={"ballots": ballot_rules})
    plain = plain_ranking(tuple(ranking), contest)
    assert len(set(plain)) == len(plain) and set(plain) <= set(CANDIDATES)
    as_marks = tuple((name,) for name in plain)
    assert preference(as_marks, continuing, ballot_rules) == preference(tuple(ranking), continuing, ballot_rules)


@settings(max_examples=200, deadline=None)
@given(ranking=marks, continuing=st.sets(st.sampled_from(CANDIDATES)))
def test_overvotes_that_depend_on_who_continues_are_refused_or_read_the_same(world, ranking, continuing):
    ballot_rules = BallotRules(overvote=Overvote.exhaust_if_multiple_continuing, max_skipped_ranks=None)
    contest = world.contest.model_copy(update={"ballots": ballot_rules})
    try:
        plain = plain_ranking(tuple(ranking), contest)
    except CollegeError as error:
        assert "exhaust-if-multiple-continuing" in str(error)
        return
    as_marks = tuple((name,) for name in plain)
    assert preference(as_marks, continuing, ballot_rules) == preference(tuple(ranking), continuing, ballot_rules)


# --- the self-check and the verdict -------------------------------------------------------


def test_self_check_warns_as_the_deadline_nears_and_passes(world):
    ret = make_return(
        world.contest, "fabian-readers", profile("Ann Example", 10), papers_issued=1_414_213, papers_returned=10,
        spoilt=0, other_invalid=0,
    )
    assert check_return(ret, world.contest, now=DEADLINE - timedelta(days=3)) == []
    near = check_return(ret, world.contest, now=DEADLINE - timedelta(hours=2))
    past = check_return(ret, world.contest, now=DEADLINE + timedelta(minutes=1))
    assert [(p.rule, p.severity) for p in near] == [("deadline-near", "warning")]
    assert [(p.rule, p.severity) for p in past] == [("deadline-past", "warning")]


def test_an_explained_shortfall_is_flagged_not_accepted_silently(world):
    document = world.document(papers_issued=2_718_271, explanation="ten members died after certification")
    verdict = world.check(world.sealed(document))
    assert verdict.accepted
    assert [(f.rule, f.field, f.severity) for f in verdict.flags] == [
        ("issued-not-certified-explained", "papers_issued", "flag")
    ]


def test_a_late_but_valid_return_is_accepted_and_late(world):
    verdict = world.check(world.sealed(world.document()), received_at=DEADLINE + timedelta(seconds=1))
    assert verdict.accepted and verdict.late
    assert not world.check(world.sealed(world.document()), received_at=DEADLINE).late


def test_the_boundaries_of_the_papers_and_of_the_clock(world):
    # Every paper issued came back: returned equals issued, which is allowed ("returned <= issued").
    document = world.document()
    full = world.document(
        spoilt=document["spoilt"] + document["papers_issued"] - document["papers_returned"],
        papers_returned=document["papers_issued"],
    )
    assert world.check(world.sealed(full)).accepted
    # A return "made" after its receipt is a clock up to CLOCK_SKEW (ten minutes) fast, a forgery beyond it.
    received = datetime(2026, 8, 30, 10, tzinfo=UTC)
    ahead = {minutes: world.document(made_at=(received + timedelta(minutes=minutes)).isoformat()) for minutes in (10, 11)}
    assert world.check(world.sealed(ahead[10]), received_at=received).accepted
    assert [p.rule for p in world.check(world.sealed(ahead[11]), received_at=received).problems] == ["made-after-receipt"]


def test_in_a_published_section_each_named_voter_has_one_paper():
    # The PLP's ballots are published voter by voter after the declaration: a voter named on two
    # papers (or on a row of two) would count twice while one ballot is published.
    from college.returns import Return

    published = make_world(sections=[
        {"id": "plp", "name": "PLP and EPLP", "weight": "1/3", "published": True},
        {"id": "members", "name": "Individual members", "weight": "1/3"},
        {"id": "affiliates", "name": "Affiliated organisations", "weight": "1/3"},
    ])
    contest, body = published.contest, published.body("ballot-plp")

    def problems(*rows):
        document = return_document(contest, body, [(ranking, n) for ranking, n, _ in rows], spoilt=0, other_invalid=0,
                                   ineligible=0, made_at="2026-08-30T10:00:00Z")
        for row, (_, _, voter) in zip(document["profile"], rows):
            row["breakdown"] = voter
        return [(p.rule, p.field) for p in check_return(Return.model_validate(document), contest, now=BEFORE)]

    assert problems((["Ann Example"], 1, "Jo MP"), (["Bob Example"], 1, "Sam MP")) == []
    assert problems((["Ann Example"], 1, "Jo MP"), (["Bob Example"], 1, "Jo MP")) == [("named-voter", "profile.1.breakdown")]
    assert problems((["Ann Example"], 2, "Jo MP")) == [("named-voter", "profile.0.count")]
    # Data naming no voters (2010's aggregated PLP profile) is counted, and has no named ballots to publish.
    assert problems((["Ann Example"], 3, None), (["Bob Example"], 1, "Jo MP")) == []
    # Other sections carry breakdowns (a CLP) on rows of many papers, as before.
    union = published.body("makers-union")
    document = return_document(contest, union, [(["Ann Example"], 5)], spoilt=0, other_invalid=0, ineligible=0,
                               made_at="2026-08-30T10:00:00Z")
    document["profile"][0]["breakdown"] = "Anytown CLP"
    document["papers_issued"] = document["certified_members"]
    assert [p.rule for p in check_return(Return.model_validate(document), contest, now=BEFORE)] == []


def test_every_problem_is_found_at_once(world):
    document = world.document(papers_returned=1, valid=7, section="plp", scrutineer="Someone Else")
    document["profile"].append({"ranking": [], "count": 1, "breakdown": None})
    rules = {p.rule for p in world.check(world.sealed(document)).problems}
    assert {"returned-arithmetic", "valid-arithmetic", "section", "scrutineer", "ranking-empty"} <= rules


def test_the_verdict_shows_no_figures_and_records_procedure_only(world):
    verdict = world.check(world.sealed(world.document()))
    assert "731842" not in repr(verdict) and "Ann Example" not in repr(verdict)
    record = verdict.procedural()
    assert record["affiliate"] == "makers-union" and record["accepted"] is True
    assert "731842" not in str(record)


def test_the_pipeline_refuses_a_count_key_the_contest_does_not_name(world):
    with pytest.raises(CollegeError, match="count's private key"):
        check_submission(world.sealed(world.document()), world.contest, X25519PrivateKey.generate(), BEFORE)
    with pytest.raises(CollegeError, match="time zone"):
        world.check(world.sealed(world.document()), received_at=datetime(2026, 8, 1))


def test_read_envelope_names_the_field_and_rule():
    with pytest.raises(EnvelopeError) as caught:
        read_envelope(b'{"format": "college-return-envelope/1"}')
    assert caught.value.rule == "envelope-schema" and caught.value.field == "contest"
    with pytest.raises(EnvelopeError) as caught:
        read_envelope(b"\xff\xfe")
    assert caught.value.rule == "envelope-json"


def test_make_return_needs_a_registered_body(world):
    with pytest.raises(CollegeError, match="not in the contest's register"):
        make_return(world.contest, "nobody", profile("Ann Example", 1), papers_issued=1, papers_returned=1,
                    spoilt=0, other_invalid=0)


# --- the register in the contest file -----------------------------------------------------


def _contest_with(world, **changes) -> dict:
    data = world.contest.model_dump(mode="json")
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r + [r[0]], "register.id: 'ballot-plp' appears more than once"),
        (lambda r: [{**r[0], "section": "lords"}] + r[1:], "names section 'lords', which the contest lacks"),
        (lambda r: [{**r[0], "public_key": "AAAA"}] + r[1:], "32 bytes"),
        (lambda r: [{**r[0], "kind": "guild"}] + r[1:], "Input should be"),
        (lambda r: [{**r[0], "certified_members": -1}] + r[1:], "greater than or equal to 0"),
    ],
)
def test_the_register_is_checked(world, change, message):
    data = _contest_with(world, register=change(world.contest.model_dump(mode="json")["register"]))
    with pytest.raises(ValueError, match=message):
        Contest.model_validate(data)


def test_the_deadline_needs_a_zone_and_the_count_key_is_x25519(world):
    with pytest.raises(ValueError, match="time zone offset"):
        Contest.model_validate(_contest_with(world, returns_deadline="2026-09-01T12:00:00"))
    with pytest.raises(ValueError, match="not base64"):
        Contest.model_validate(_contest_with(world, count_public_key="not a key!"))
