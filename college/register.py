"""The register of returning bodies: who sends a return, for which section, signed with which key.

Seed 003 items 11-20: each trade union and socialist society ballots its own members
one person one vote under an independent scrutineer named and agreed in advance, and
certifies how many full members it will ballot. The PLP/EPLP and the individual
members are balloted by the party's balloting organisation, which sends one return per
section in the same format: the register holds it too, as kind `party_ballot`.

The register sits in the contest file (`[[register]]` tables); the contest checks that
body ids are unique and that each body's section exists.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StrictInt

from college.model import Identifier, Model, Name
from college.signing import Ed25519KeyText

if TYPE_CHECKING:
    from college.contest import Contest

# Whole numbers a JSON reader anywhere holds exactly.
Count = Annotated[StrictInt, Field(ge=0, lt=2**53)]


class BodyKind(str, Enum):
    trade_union = "trade_union"
    socialist_society = "socialist_society"
    party_ballot = "party_ballot"  # the balloting organisation's return for the PLP/EPLP or members' section


class ReturningBody(Model):
    id: Identifier
    name: Name
    kind: BodyKind
    section: Identifier = Field(description="the id of the section this body's return counts in")
    certified_members: Count = Field(description="full members certified to be balloted: each gets a paper (item 13)")
    declaration_required: bool = Field(
        description="the paper carries a declaration of support (the body admits people who are not Labour members)"
    )
    scrutineer: Name = Field(description="the independent scrutineer named and agreed in advance")
    public_key: Ed25519KeyText = Field(description="the scrutineer's Ed25519 public key, base64 of its 32 raw bytes")


def find_body(contest: Contest, body_id: str) -> ReturningBody | None:
    """The registered body with this id, or None."""
    return next((body for body in contest.register if body.id == body_id), None)
