"""The dry-run contest generator: reproducible, realistic in shape, and every return's arithmetic holds."""

import pytest

from college.dry_run.simulation import SCALES, simulate


@pytest.fixture(scope="module")
def national():
    return simulate(2026, "national", 8)


def test_the_same_seed_gives_the_same_contest_and_another_seed_another():
    assert simulate(11, "tiny") == simulate(11, "tiny")
    assert simulate(11, "tiny").ballots != simulate(12, "tiny").ballots


def test_every_ballot_adds_up_as_a_return_must(national):
    for ballot in national.ballots:
        body = ballot.body
        assert ballot.issued == body.certified, body.id
        assert ballot.returned <= ballot.issued, body.id
        assert ballot.returned == ballot.valid + ballot.spoilt + ballot.ineligible + ballot.other_invalid, body.id
        if not body.declaration_required:
            assert ballot.ineligible == 0, body.id
        for row in ballot.rows:
            assert row.count >= 1 and row.ranking, body.id
            assert len(set(row.ranking)) == len(row.ranking) and set(row.ranking) <= set(national.candidates)


def test_national_scale_has_the_shape_of_a_real_contest(national):
    scale = SCALES["national"]
    plp, members, *affiliates = national.ballots
    assert scale.plp[0] <= plp.issued <= scale.plp[1]
    assert scale.members[0] <= members.issued <= scale.members[1]
    assert len({row.breakdown for row in members.rows}) == scale.clps
    kinds = [b.body.kind for b in affiliates]
    assert kinds.count("trade_union") == 12 and kinds.count("socialist_society") == 20
    assert {b.body.section for b in affiliates} == {"affiliates"}
    sizes = [b.issued for b in affiliates]
    assert min(sizes) < 1_000 and max(sizes) > 100_000, "from a few hundred to very large bodies"
    assert len(national.candidates) == 8


def test_plp_ballots_are_named_one_per_voter_and_partial_rankings_occur(national):
    plp = national.ballots[0]
    names = [row.breakdown for row in plp.rows]
    assert all(row.count == 1 for row in plp.rows) and len(set(names)) == len(names) == plp.valid
    lengths = {len(row.ranking) for b in national.ballots for row in b.rows}
    assert 1 in lengths and len(national.candidates) in lengths


def test_scale_and_candidates_are_checked():
    with pytest.raises(ValueError, match="scale"):
        simulate(1, "galactic")
    with pytest.raises(ValueError, match="candidates"):
        simulate(1, "tiny", candidates=9)
