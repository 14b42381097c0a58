"""Committee members' passkeys (WebAuthn, with the `webauthn` package).

A passkey is enrolled for a member only with the enrolment token they sign with their own
key from the key ceremony (college/enrolment.py); its public key is kept write-once in the
store under `passkeys/<member>/`, and the enrolment is in the ledger. Signing in asks the
browser for an assertion over a fresh challenge; the credential found names the member.
Challenges live in memory, one per browser (its CSRF cookie), for two minutes.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse
from webauthn.helpers.structs import AuthenticatorSelectionCriteria, ResidentKeyRequirement, UserVerificationRequirement

from college.contest import Member
from college.contest import Contest
from college.enrolment import ENROLLED, check_enrolment_token
from college.errors import CollegeError
from college.ledger import Ledger
from college.signing import digest
from college.store import Store

PREFIX = "passkeys"
CHALLENGE_SECONDS = 120
SIGNED_IN = "signed-in"


@dataclass
class Credential:
    member: str
    credential_id: bytes
    public_key: bytes
    sign_count: int


@dataclass
class _Challenge:
    challenge: bytes
    purpose: str
    member: Member | None
    nonce: str | None
    expires: float


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PasskeyError(CollegeError):
    pass


class Passkeys:
    def __init__(self, contest: Contest, store: Store, ledger: Ledger, public_url: str):
        parsed = urlparse(public_url)
        self.contest, self.store, self.ledger = contest, store, ledger
        self.rp_id = parsed.hostname or "localhost"
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self._challenges: dict[str, _Challenge] = {}
        self._credentials: dict[bytes, Credential] = {}
        self._lock = threading.Lock()

    # --- enrolment ---------------------------------------------------------------------------

    def enrolment_options(self, browser: str, token: str) -> str:
        """WebAuthn creation options for the member the token names (the token is checked first)."""
        member, nonce = check_enrolment_token(self.contest, token, datetime.now(UTC))
        if self.ledger.find(f"{ENROLLED}:{nonce}") is not None:
            raise PasskeyError("this enrolment token has been used: make a new one", field="token")
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name=f"college: {self.contest.id}",
            user_id=member.id.encode(),
            user_name=member.id,
            user_display_name=member.name,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED
            ),
        )
        self._remember(browser, _Challenge(options.challenge, "enrol", member, nonce, time.monotonic() + CHALLENGE_SECONDS))
        return options_to_json(options)

    def enrol(self, browser: str, credential: str) -> Member:
        pending = self._take(browser, "enrol")
        try:
            verified = verify_registration_response(
                credential=credential, expected_challenge=pending.challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, require_user_verification=True,
            )
        except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError, TypeError):
            raise PasskeyError("the browser's answer does not register a passkey", field="credential") from None
        member = pending.member
        record = {
            "member": member.id,
            "credential_id": _b64(verified.credential_id),
            "public_key": _b64(verified.credential_public_key),
            "sign_count": verified.sign_count,
            "enrolled_at": datetime.now(UTC).isoformat(),
        }
        credential_hash = digest(verified.credential_id)
        self.store.put(f"{PREFIX}/{member.id}/{credential_hash}.json", json.dumps(record).encode())
        self.ledger.append(
            ENROLLED, ids={"member": member.id, "credential": credential_hash},
            reasons=[f"{member.name} enrolled a passkey with their signed enrolment token"],
            once_key=f"{ENROLLED}:{pending.nonce}",
        )
        with self._lock:
            self._credentials[verified.credential_id] = Credential(member.id, verified.credential_id,
                                                                   verified.credential_public_key, verified.sign_count)
        return member

    # --- signing in --------------------------------------------------------------------------

    def sign_in_options(self, browser: str) -> str:
        options = generate_authentication_options(rp_id=self.rp_id, user_verification=UserVerificationRequirement.REQUIRED)
        self._remember(browser, _Challenge(options.challenge, "sign-in", None, None, time.monotonic() + CHALLENGE_SECONDS))
        return options_to_json(options)

    def sign_in(self, browser: str, credential: str) -> Member:
        pending = self._take(browser, "sign-in")
        try:
            raw_id = base64.urlsafe_b64decode(_padded(json.loads(credential)["rawId"]))
        except (ValueError, KeyError, TypeError):
            raise PasskeyError("the browser's answer names no passkey", field="credential") from None
        found = self._credential(raw_id)
        if found is None:
            raise PasskeyError("this passkey is not enrolled here: enrol it first", field="credential")
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=pending.challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, credential_public_key=found.public_key,
                credential_current_sign_count=found.sign_count, require_user_verification=True,
            )
        except (InvalidAuthenticationResponse, InvalidJSONStructure, ValueError, KeyError, TypeError):
            raise PasskeyError("the passkey's signature does not verify", field="credential") from None
        found.sign_count = verified.new_sign_count
        member = self.contest.committee.member(found.member)
        self.ledger.append(SIGNED_IN, ids={"member": member.id, "credential": digest(raw_id)},
                           reasons=[f"{member.name} signed in with a passkey"])
        return member

    # --- helpers -----------------------------------------------------------------------------

    def _remember(self, browser: str, challenge: _Challenge) -> None:
        with self._lock:
            now = time.monotonic()
            self._challenges = {k: v for k, v in self._challenges.items() if v.expires > now}
            self._challenges[browser] = challenge

    def _take(self, browser: str, purpose: str) -> _Challenge:
        with self._lock:
            pending = self._challenges.pop(browser, None)
        if pending is None or pending.purpose != purpose or pending.expires < time.monotonic():
            raise PasskeyError("no passkey request is waiting for this browser, or it expired: start again", field="challenge")
        return pending

    def _credential(self, raw_id: bytes) -> Credential | None:
        with self._lock:
            if raw_id in self._credentials:
                return self._credentials[raw_id]
        key_hash = digest(raw_id)
        for key in self.store.list(f"{PREFIX}/"):
            if key.endswith(f"/{key_hash}.json"):
                record = json.loads(self.store.get(key))
                found = Credential(record["member"], raw_id, base64.b64decode(record["public_key"]), record["sign_count"])
                with self._lock:
                    return self._credentials.setdefault(raw_id, found)
        return None


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)

