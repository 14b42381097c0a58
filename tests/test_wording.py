"""The declaration of support's agreed wording (seed 003 items 11, 16): recorded in the register
as text and hash, named by every return, checked with the rule `declaration-wording`."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from college.contest import Contest
from college.returns import check_return, make_return
from college.wording import TRADE_UNION, text_hash
from tests.helpers import profile
from tests.test_returns import World, make_world

SUPPORTER = "I support the Labour Party and am not a member or supporter of any other party."


def wordings() -> list[dict]:
    return [
        {"id": "trade-union", "text": TRADE_UNION, "sha256": text_hash(TRADE_UNION), "agreed_on": date(2026, 5, 20)},
        {"id": "supporters", "text": SUPPORTER, "sha256": text_hash(SUPPORTER), "agreed_on": date(2026, 5, 21)},
    ]


@pytest.fixture(scope="module")
def world() -> World:
    base = make_world()
    data = base.contest.model_dump(mode="json")
    for body in data["register"]:
        if body["id"] == "makers-union":
            body["wording"] = "trade-union"
    return World(base.keys, base.count_key, Contest.model_validate({**data, "wordings": wordings()}))


def rules(world: World, document: dict) -> list[str]:
    return [p.rule for p in world.check(world.sealed(document)).problems]


def test_a_return_names_the_registered_wording_and_is_accepted(world):
    document = world.document("makers-union")
    assert document["declaration_wording"] == text_hash(TRADE_UNION)
    assert rules(world, document) == []


def test_a_return_carrying_another_wording_s_hash_is_rejected_with_the_rule(world):
    verdict = world.check(world.sealed(world.document("makers-union", declaration_wording=text_hash(SUPPORTER))))
    assert [(p.rule, p.field) for p in verdict.problems] == [("declaration-wording", "declaration_wording")]
    assert "not the one the register records" in verdict.problems[0].message


def test_a_return_without_the_wording_its_body_agreed_is_rejected(world):
    assert rules(world, world.document("makers-union", declaration_wording=None)) == ["declaration-wording"]


def test_a_body_of_labour_members_only_names_no_wording(world):
    assert rules(world, world.document("fabian-readers")) == []
    carried = world.document("fabian-readers", declaration_wording=text_hash(TRADE_UNION))
    assert rules(world, carried) == ["declaration-wording"]


def test_make_return_names_the_body_s_wording(world):
    ret = make_return(world.contest, "makers-union", profile("Ann Example", 3), papers_issued=2_718_281,
                      papers_returned=3, spoilt=0, other_invalid=0, ineligible=0)
    assert ret.declaration_wording == text_hash(TRADE_UNION)
    assert [p.rule for p in check_return(ret, world.contest) if p.severity == "error"] == []


def test_the_register_s_wordings_are_checked(world):
    data = world.contest.model_dump(mode="json")
    tampered = [{**wordings()[0], "text": TRADE_UNION + " "}]
    with pytest.raises(ValidationError, match=r"\[wording-hash\]"):
        Contest.model_validate({**data, "wordings": tampered + wordings()[1:]})
    register = [{**b, "wording": "supporters"} if b["id"] == "fabian-readers" else b for b in data["register"]]
    with pytest.raises(ValidationError, match="admits Labour members only"):
        Contest.model_validate({**data, "register": register})
    register = [{**b, "wording": "unknown"} if b["id"] == "makers-union" else b for b in data["register"]]
    with pytest.raises(ValidationError, match="names wording 'unknown', which wordings lacks"):
        Contest.model_validate({**data, "register": register})
