"""A passkey bound to its member by their signed statement, and its signature checked with the contest file alone."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from college.enrolment import check_enrolment_token, enrolment_token, fingerprint, passkey_signature_holds
from college.errors import CollegeError
from tests.service_world import SoftPasskey, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("enrolment"), None)


def _public_key(passkey: SoftPasskey) -> bytes:
    """The passkey's public key as its authenticator gives it (COSE), taken from its registration."""
    import cbor2

    made = passkey.create({"challenge": "AA", "user": {"id": "bmVjLWNoYWly"}})
    auth_data = cbor2.loads(base64.urlsafe_b64decode(made["response"]["attestationObject"] + "=="))["authData"]
    return auth_data[37 + 16 + 2 + len(passkey.credential_id):]


def _evidence(passkey: SoftPasskey, message: bytes, token: str) -> tuple[str, dict]:
    challenge = base64.urlsafe_b64encode(message).decode().rstrip("=")
    answer = passkey.get({"challenge": challenge})["response"]

    def std(text: str) -> str:
        return base64.b64encode(base64.urlsafe_b64decode(text + "==")).decode()

    evidence = {"public_key": base64.b64encode(_public_key(passkey)).decode(), "enrolment": token,
                "authenticator_data": std(answer["authenticatorData"]), "client_data_json": std(answer["clientDataJSON"])}
    return std(answer["signature"]), evidence


def test_a_statement_binds_one_passkey_to_its_member(world):
    passkey = SoftPasskey("http://localhost:8080")
    print_ = fingerprint(_public_key(passkey))
    token = world.token("nec-chair", print_)
    member, nonce = check_enrolment_token(world.contest, token, datetime.now(UTC), print_)
    assert member.id == "nec-chair" and len(nonce) == 32
    with pytest.raises(CollegeError, match="another passkey"):
        check_enrolment_token(world.contest, token, datetime.now(UTC), "0" * 64)
    with pytest.raises(CollegeError, match="expired"):
        check_enrolment_token(world.contest, token, datetime.now(UTC) + timedelta(minutes=16), print_)
    # A statement for one member signed with another member's key is refused, as is a key not registered.
    with pytest.raises(CollegeError, match="not the one registered"):
        enrolment_token(world.contest, "nec-chair", world.member_keys["cac-chair"].signing, datetime.now(UTC), secrets.token_hex(16), print_)
    body, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["member"] = "cac-chair"
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(CollegeError, match="not signed with the key registered"):
        check_enrolment_token(world.contest, f"{forged_body}.{signature}", datetime.now(UTC), print_)


def test_a_passkey_signature_on_a_decision_holds_with_the_contest_file_alone(world):
    member = world.contest.committee.member("nec-chair")
    passkey = SoftPasskey("http://localhost:8080")
    token = world.token("nec-chair", fingerprint(_public_key(passkey)))
    digest = hashlib.sha256(b"a decision").digest()
    signature, evidence = _evidence(passkey, digest, token)
    assert passkey_signature_holds(member, digest, signature, evidence)
    # Another message, another member's name on it, another member's statement, another passkey: none holds.
    assert not passkey_signature_holds(member, hashlib.sha256(b"another").digest(), signature, evidence)
    assert not passkey_signature_holds(world.contest.committee.member("cac-chair"), digest, signature, evidence)
    other = SoftPasskey("http://localhost:8080")
    assert not passkey_signature_holds(member, digest, signature, evidence | {"public_key": base64.b64encode(_public_key(other)).decode()})
    stranger = world.token("cac-chair", fingerprint(_public_key(passkey)))
    assert not passkey_signature_holds(member, digest, signature, evidence | {"enrolment": stranger})
    assert not passkey_signature_holds(member, digest, "not base64!", evidence)


@pytest.mark.parametrize("client_data", [["webauthn.get"], "webauthn.get", 5, None])
def test_a_passkey_signature_over_client_data_that_is_no_object_does_not_hold(world, client_data):
    """Signed by the member's own passkey (a software one signs any bytes), client data that is JSON but no
    object raised AttributeError in the check every recorded decision goes through, rather than failing it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    member = world.contest.committee.member("nec-chair")
    passkey = SoftPasskey("http://localhost:8080")
    token = world.token("nec-chair", fingerprint(_public_key(passkey)))
    authenticator_data = hashlib.sha256(b"localhost").digest() + bytes([0x05]) + (1).to_bytes(4, "big")
    data = json.dumps(client_data).encode()
    signature = passkey.key.sign(authenticator_data + hashlib.sha256(data).digest(), ec.ECDSA(hashes.SHA256()))
    evidence = {"public_key": base64.b64encode(_public_key(passkey)).decode(), "enrolment": token,
                "authenticator_data": base64.b64encode(authenticator_data).decode(), "client_data_json": base64.b64encode(data).decode()}
    assert not passkey_signature_holds(member, hashlib.sha256(b"a decision").digest(), base64.b64encode(signature).decode(), evidence)


def test_college_committee_enrol_prints_the_members_statement(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from college.cli import app
    from college.signing import write_private_key

    monkeypatch.setenv("COLLEGE_KEY_PASSPHRASE", "correct horse")
    key = tmp_path / "nec-chair.signing.key"
    write_private_key(key, world.member_keys["nec-chair"].signing, "correct horse")
    print_ = fingerprint(_public_key(SoftPasskey("http://localhost:8080")))
    result = CliRunner().invoke(app, ["committee", "enrol", str(world.contest_file), "--member", "nec-chair",
                                      "--key", str(key), "--passkey", print_])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert check_enrolment_token(world.contest, token, datetime.now(UTC), print_)[0].id == "nec-chair"
    wrong = CliRunner().invoke(app, ["committee", "enrol", str(world.contest_file), "--member", "cac-chair",
                                     "--key", str(key), "--passkey", print_])
    assert wrong.exit_code == 2 and "not the one registered for cac-chair" in wrong.output


@pytest.mark.parametrize("kind", ["duplicate-key", "too-deep"])
def test_a_token_whose_statement_is_not_plain_json_is_refused_by_its_rule(world, kind):
    token = world.token("nec-chair", "0" * 64)
    body = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    if kind == "duplicate-key":  # two readers of the same signed bytes could disagree on whose it is
        body = body.replace(b'{', b'{"member":"cac-chair",', 1)
    else:  # nested deeper than the reader follows: refused by its rule, not a RecursionError (a 500)
        body = b"[" * 6000
    forged = f"{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{token.split('.')[1]}"
    with pytest.raises(CollegeError, match="not an enrolment token"):
        check_enrolment_token(world.contest, forged, datetime.now(UTC), "0" * 64)
