"""Enrolling a committee member's passkey: bound to the member by the key they hold from the key ceremony.

Issue 16 item 5: committee members sign in to the service with passkeys (WebAuthn), and
there are no shared passwords. The service must know which member a new passkey belongs
to, without an administrator who could enrol a passkey for someone else. So a member
enrols with a token only they can make: a short statement (contest, member, a fresh
nonce, valid for a few minutes) signed with their own Ed25519 signing key, whose public
half the contest file registers for them (the same key that signs their contribution to
the declaration, college/ceremony.py). `college committee enrol` makes it; the service
checks it against the contest file, then registers the passkey for that member; the
ledger records the enrolment (and the nonce, so a token enrols once).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, Field, ValidationError

from college.contest import Member
from college.contest import Contest
from college.errors import CollegeError
from college.model import Identifier, Model
from college.signing import canonical, ed25519_public, public_text, sign, verify

FORMAT = "college-passkey-enrolment/1"
LIFETIME = timedelta(minutes=15)
ENROLLED = "passkey-enrolled"


class EnrolmentStatement(Model):
    format: str = FORMAT
    contest: Identifier
    member: Identifier
    nonce: str = Field(pattern=r"^[0-9a-f]{32}$")
    expires: AwareDatetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def enrolment_token(contest: Contest, member_id: str, signing_key: Ed25519PrivateKey, now: datetime, nonce: str) -> str:
    """The member's enrolment token: their signed statement, for this contest, valid for LIFETIME."""
    member = _member(contest, member_id)
    if public_text(signing_key) != member.signing_key:
        raise CollegeError(f"the signing key is not the one registered for {member.id}", field="--key")
    statement = EnrolmentStatement(contest=contest.id, member=member.id, nonce=nonce, expires=now + LIFETIME)
    body = canonical(statement.model_dump(mode="json"))
    return f"{_b64(body)}.{_b64(sign(signing_key, FORMAT, body))}"


def check_enrolment_token(contest: Contest, token: str, now: datetime) -> tuple[Member, str]:
    """(the member, the token's nonce) for a token that holds; CollegeError naming the rule otherwise."""
    try:
        body_text, signature_text = token.strip().split(".")
        body, signature = _unb64(body_text), _unb64(signature_text)
        statement = EnrolmentStatement.model_validate(json.loads(body))
    except (ValueError, binascii.Error, ValidationError):
        raise CollegeError("not an enrolment token (make one with `college committee enrol`)", field="token") from None
    if statement.format != FORMAT or statement.contest != contest.id:
        raise CollegeError("the token is for another contest or format", field="token")
    member = _member(contest, statement.member)
    if not verify(ed25519_public(member.signing_key), FORMAT, body, signature):
        raise CollegeError(f"the token is not signed with the key registered for {member.id}", field="token")
    if now > statement.expires:
        raise CollegeError("the token has expired: make a new one", field="token")
    return member, statement.nonce


def _member(contest: Contest, member_id: str) -> Member:
    if contest.committee is None:
        raise CollegeError("the contest names no Procedures Committee", field="committee")
    return contest.committee.member(member_id)
