"""Committee members' passkeys (WebAuthn, with the `webauthn` package).

A passkey is enrolled for a member only once they bind it with the statement they sign
with their own key from the key ceremony (college/enrolment.py); its public key and the
statement are kept write-once in the store under `passkeys/<member>/`, and the enrolment
is in the ledger. Signing in asks the browser for an assertion over a fresh challenge;
the credential found names the member. Signing a committee decision asks for an
assertion whose challenge is the decision's digest. Challenges live in memory, one per
browser (its CSRF cookie), for two minutes.
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
from webauthn.helpers import decode_credential_public_key, decoded_public_key_to_cryptography
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from college.contest import Contest, Member
from college.enrolment import ENROLLED, check_enrolment_token, fingerprint
from college.errors import CollegeError
from college.events import SIGNED_IN
from college.folders import PASSKEYS
from college.ledger import Ledger
from college.signing import digest
from college.store import Store

CHALLENGE_SECONDS = 120
UNBOUND_SECONDS = 30 * 60  # a passkey made waits this long for its member's statement (which lives 15 minutes)


@dataclass
class Credential:
    member: str
    credential_id: bytes
    public_key: bytes
    sign_count: int
    enrolment: str  # the member's signed statement binding the passkey (empty until bound)


@dataclass
class _Challenge:
    challenge: bytes
    purpose: str
    member: Member | None
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
        self._unbound: dict[str, tuple[Credential, float]] = {}  # browser -> (the passkey it made, until when it may be bound)
        self._lock = threading.Lock()

    # --- enrolment: the browser makes the passkey, the member's signed statement binds it -----

    def enrolment_options(self, browser: str, member_id: str) -> str:
        """WebAuthn creation options for a passkey of the member chosen (it counts only once bound)."""
        member = self.contest.committee.member(member_id)
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
        self._remember(browser, _Challenge(options.challenge, "enrol", member, time.monotonic() + CHALLENGE_SECONDS))
        return options_to_json(options)

    def create(self, browser: str, credential: str) -> str:
        """Check the browser's new passkey and hold it, unbound, for this browser; returns its fingerprint."""
        pending = self._take(browser, "enrol")
        # WebAuthnException: the library's refusals, some of them (a key of no known type, or malformed) not
        # InvalidRegistrationResponse; and a key it passes that is no usable key (a point off its curve) is refused here.
        try:
            verified = verify_registration_response(
                credential=credential, expected_challenge=pending.challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, require_user_verification=True,
            )
            decoded_public_key_to_cryptography(decode_credential_public_key(verified.credential_public_key))
        except (WebAuthnException, ValueError, KeyError, TypeError):
            raise PasskeyError("the browser's answer does not register a passkey", field="credential") from None
        if self._credential(verified.credential_id) is not None:  # else the id would find this one, not the member's
            raise PasskeyError("a passkey with this id is enrolled already", field="credential")
        made = Credential(pending.member.id, verified.credential_id, verified.credential_public_key, verified.sign_count, "")
        with self._lock:  # anyone may make passkeys: those never bound are forgotten, not held until the service stops
            now = time.monotonic()
            self._unbound = {k: v for k, v in self._unbound.items() if v[1] > now}
            self._unbound[browser] = (made, now + UNBOUND_SECONDS)
        return fingerprint(made.public_key)

    def _made(self, browser: str) -> Credential | None:
        """The passkey this browser made and has not yet bound, while it may be."""
        with self._lock:
            made, until = self._unbound.get(browser, (None, 0.0))
        return made if until > time.monotonic() else None

    def unbound(self, browser: str) -> tuple[Member, str] | None:
        """(the member, the fingerprint) of the passkey this browser made and has not yet bound."""
        made = self._made(browser)
        return None if made is None else (self.contest.committee.member(made.member), fingerprint(made.public_key))

    def bind(self, browser: str, token: str) -> Member:
        """Bind the browser's new passkey to its member with their signed statement; it is then enrolled:
        kept write-once in the store with the statement, and recorded in the ledger."""
        made = self._made(browser)
        if made is None:
            raise PasskeyError("this browser has made no passkey to bind: start again", field="passkey")
        member, nonce = check_enrolment_token(self.contest, token, datetime.now(UTC), fingerprint(made.public_key))
        if member.id != made.member:
            raise PasskeyError(f"the token is {member.id}'s, and this passkey was made for {made.member}", field="token")
        if self.ledger.find(f"{ENROLLED}:{nonce}") is not None:
            raise PasskeyError("this enrolment token has been used: make a new one", field="token")
        if self._credential(made.credential_id) is not None:  # enrolled since this browser made it
            raise PasskeyError("a passkey with this id is enrolled already", field="credential")
        made.enrolment = token.strip()
        record = {
            "member": member.id, "credential_id": _b64(made.credential_id), "public_key": _b64(made.public_key),
            "sign_count": made.sign_count, "enrolment": made.enrolment, "enrolled_at": datetime.now(UTC).isoformat(),
        }
        credential_hash = digest(made.credential_id)
        self.store.put(f"{PASSKEYS}/{member.id}/{credential_hash}.json", json.dumps(record).encode())
        self.ledger.append(
            ENROLLED, ids={"member": member.id, "credential": credential_hash, "passkey": fingerprint(made.public_key)},
            reasons=[f"{member.name} enrolled a passkey, bound by their signed statement"],
            once_key=f"{ENROLLED}:{nonce}",
        )
        with self._lock:
            self._unbound.pop(browser, None)
            self._credentials[made.credential_id] = made
        return member

    # --- signing in --------------------------------------------------------------------------

    def sign_in_options(self, browser: str) -> str:
        options = generate_authentication_options(rp_id=self.rp_id, user_verification=UserVerificationRequirement.REQUIRED)
        self._remember(browser, _Challenge(options.challenge, "sign-in", None, time.monotonic() + CHALLENGE_SECONDS))
        return options_to_json(options)

    def sign_in(self, browser: str, credential: str) -> Member:
        found, _ = self._assertion(browser, "sign-in", credential)
        member = self.contest.committee.member(found.member)
        self.ledger.append(SIGNED_IN, ids={"member": member.id, "credential": digest(found.credential_id)},
                           reasons=[f"{member.name} signed in with a passkey"])
        return member

    # --- signing a committee decision: the challenge is the decision's digest ------------------

    def signing_options(self, browser: str, member: Member, challenge: bytes) -> str:
        allowed = [PublicKeyCredentialDescriptor(id=c.credential_id) for c in self.of(member.id)]
        if not allowed:
            raise PasskeyError("you have no passkey enrolled here", field="passkey")
        options = generate_authentication_options(
            rp_id=self.rp_id, challenge=challenge, allow_credentials=allowed, user_verification=UserVerificationRequirement.REQUIRED
        )
        self._remember(browser, _Challenge(challenge, "sign", member, time.monotonic() + CHALLENGE_SECONDS))
        return options_to_json(options)

    def sign(self, browser: str, member: Member, challenge: bytes, credential: str) -> tuple[str, dict[str, str]]:
        """(the signature, the evidence) of the member's passkey over `challenge`, which must be the one
        this browser asked to sign (so an answer for one decision never signs another): what anyone
        checks with the contest file alone (college.enrolment.passkey_signature_holds)."""
        found, response = self._assertion(browser, "sign", credential, member, challenge)
        evidence = {
            "public_key": _b64(found.public_key),
            "enrolment": found.enrolment,
            "authenticator_data": _b64(_unb64url(response["authenticatorData"])),
            "client_data_json": _b64(_unb64url(response["clientDataJSON"])),
            "credential": digest(found.credential_id),
        }
        return _b64(_unb64url(response["signature"])), evidence

    def of(self, member_id: str) -> list[Credential]:
        """The member's enrolled passkeys, as the store keeps them."""
        found = []
        for key in self.store.list(f"{PASSKEYS}/{member_id}/"):
            record = json.loads(self.store.get(key))
            found.append(self._credential(base64.b64decode(record["credential_id"])))
        return [c for c in found if c is not None]

    def _assertion(self, browser: str, purpose: str, credential: str, member: Member | None = None,
                   challenge: bytes | None = None) -> tuple[Credential, dict]:
        """The enrolled passkey that answered this browser's challenge (which must be `challenge`, where
        given), and the answer's response part."""
        pending = self._take(browser, purpose)
        if challenge is not None and pending.challenge != challenge:
            raise PasskeyError("the passkey request was for another decision: start again", field="challenge")
        try:
            answer = json.loads(credential)
            raw_id = _unb64url(answer["rawId"])
            response = answer["response"]
        except (ValueError, KeyError, TypeError):
            raise PasskeyError("the browser's answer names no passkey", field="credential") from None
        found = self._credential(raw_id)
        if found is None:
            raise PasskeyError("this passkey is not enrolled here: enrol it first", field="credential")
        if member is not None and found.member != member.id:
            raise PasskeyError("a member signs with their own passkey", field="credential")
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=pending.challenge, expected_rp_id=self.rp_id,
                expected_origin=self.origin, credential_public_key=found.public_key,
                credential_current_sign_count=found.sign_count, require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            raise PasskeyError("the passkey's signature does not verify", field="credential") from None
        found.sign_count = verified.new_sign_count
        return found, response

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
        for key in self.store.list(f"{PASSKEYS}/"):
            if key.endswith(f"/{key_hash}.json"):
                record = json.loads(self.store.get(key))
                found = Credential(record["member"], raw_id, base64.b64decode(record["public_key"]), record["sign_count"],
                                   record["enrolment"])
                with self._lock:
                    return self._credentials.setdefault(raw_id, found)
        return None


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

