"""A committee member's passkey, bound to the member by the key they hold from the key ceremony.

Issue 16 item 5: committee members sign in to the service with passkeys (WebAuthn), and
there are no shared passwords. Which member a passkey belongs to must not rest on the
service's word, nor on an administrator who could enrol a passkey for someone else. So
a member binds their passkey themselves: the browser makes the passkey, the service
shows its fingerprint (the SHA-256 of its public key), and the member signs a short
statement naming the contest, themselves, that fingerprint and a fresh nonce, with the
Ed25519 signing key the contest file registers for them (the key that also signs their
contribution to the declaration, college/ceremony.py). `college committee enrol` makes
it. The service checks it against the contest file and keeps it with the passkey.

So a passkey's signature on a committee decision can be checked by anyone, anywhere,
with the contest file alone: the statement shows the passkey is the member's, and the
assertion shows the passkey signed the decision's digest (`passkey_signature_holds`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, Field, ValidationError

from college import strict_json
from college.contest import Contest, Member
from college.errors import CollegeError
from college.events import PASSKEY_ENROLLED as ENROLLED
from college.model import Identifier, Model
from college.signing import canonical, ed25519_public, public_text, sign, verify

FORMAT = "college-passkey-enrolment/1"
LIFETIME = timedelta(minutes=15)  # to enrol with; the statement stays good evidence afterwards


class EnrolmentStatement(Model):
    format: str = FORMAT
    contest: Identifier
    member: Identifier
    passkey: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the passkey's public key (COSE)")
    nonce: str = Field(pattern=r"^[0-9a-f]{32}$")
    expires: AwareDatetime


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(public_key: bytes) -> str:
    """A passkey's fingerprint: the SHA-256 of its public key as the authenticator gave it (COSE)."""
    return hashlib.sha256(public_key).hexdigest()


def enrolment_token(
    contest: Contest, member_id: str, signing_key: Ed25519PrivateKey, now: datetime, nonce: str, passkey: str
) -> str:
    """The member's signed statement that the passkey with this fingerprint is theirs."""
    member = _member(contest, member_id)
    if public_text(signing_key) != member.signing_key:
        raise CollegeError(f"the signing key is not the one registered for {member.id}", field="--key")
    try:
        statement = EnrolmentStatement(contest=contest.id, member=member.id, passkey=passkey.lower(), nonce=nonce,
                                       expires=now + LIFETIME)
    except ValidationError:
        raise CollegeError("not a passkey fingerprint (64 hexadecimal digits, as the enrolment page shows it)", field="--passkey") from None
    body = canonical(statement.model_dump(mode="json"))
    return f"{_b64url(body)}.{_b64url(sign(signing_key, FORMAT, body))}"


def read_token(token: str, member: Member | None = None) -> EnrolmentStatement:
    """The statement of a token whose signature verifies with its member's key (CollegeError otherwise).
    With `member`, the token must be theirs."""
    try:
        body_text, signature_text = token.strip().split(".")
        body, signature = _unb64url(body_text), _unb64url(signature_text)
        statement = EnrolmentStatement.model_validate(strict_json.loads(body))
    except (ValueError, binascii.Error, ValidationError, CollegeError):
        raise CollegeError("not an enrolment token (make one with `college committee enrol`)", field="token") from None
    if member is not None and statement.member != member.id:
        raise CollegeError(f"the token is {statement.member}'s, not {member.id}'s", field="token")
    if statement.format != FORMAT:
        raise CollegeError("the token is of another format", field="token")
    if member is not None and not verify(ed25519_public(member.signing_key), FORMAT, body, signature):
        raise CollegeError("the token is not signed with the key registered for its member", field="token")
    return statement


def check_enrolment_token(contest: Contest, token: str, now: datetime, passkey: str) -> tuple[Member, str]:
    """(the member, the nonce) when the token is a member's statement, for this contest, made for the
    passkey with this fingerprint, and not expired; CollegeError naming the rule otherwise."""
    unchecked = read_token(token)
    if unchecked.contest != contest.id:
        raise CollegeError("the token is for another contest", field="token")
    member = _member(contest, unchecked.member)
    statement = read_token(token, member)
    if statement.passkey != passkey:
        raise CollegeError("the token names another passkey than the one this browser made", field="token")
    if now > statement.expires:
        raise CollegeError("the token has expired: make a new one", field="token")
    return member, statement.nonce


def passkey_signature_holds(member: Member, message: bytes, signature: str, evidence: dict[str, str]) -> bool:
    """Whether a WebAuthn assertion is the member's passkey signing `message` (its challenge).

    `evidence`: `public_key` (base64 COSE), `enrolment` (the member's signed statement naming
    the key's fingerprint), `authenticator_data` and `client_data_json` (base64). The
    authenticator must have checked the member's presence and verification (fingerprint, PIN)."""
    from webauthn.helpers import decode_credential_public_key, decoded_public_key_to_cryptography, verify_signature

    try:
        public_key = base64.b64decode(evidence["public_key"], validate=True)
        statement = read_token(evidence["enrolment"], member)
        authenticator_data = base64.b64decode(evidence["authenticator_data"], validate=True)
        client_data_json = base64.b64decode(evidence["client_data_json"], validate=True)
        client_data = json.loads(client_data_json)
        decoded = decode_credential_public_key(public_key)
        verify_signature(
            public_key=decoded_public_key_to_cryptography(decoded), signature_alg=decoded.alg,
            signature=base64.b64decode(signature, validate=True), data=authenticator_data + hashlib.sha256(client_data_json).digest(),
        )
    except Exception:  # noqa: BLE001 - evidence that cannot be read, or a signature that does not verify
        return False
    flags = authenticator_data[32] if len(authenticator_data) > 32 else 0
    return (
        statement.passkey == fingerprint(public_key)
        and isinstance(client_data, dict)  # JSON, signed, but no object: fails, never raises
        and client_data.get("type") == "webauthn.get"
        and client_data.get("challenge") == _b64url(message)
        and flags & 0x05 == 0x05  # user present and user verified
    )


def _member(contest: Contest, member_id: str) -> Member:
    if contest.committee is None:
        raise CollegeError("the contest names no Procedures Committee", field="committee")
    return contest.committee.member(member_id)
