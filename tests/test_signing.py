"""The library's schemes as the project uses them: domain-separated signatures, bound sealing, key files."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.errors import CollegeError
from college.signing import (
    digest,
    ed25519_public,
    key_id,
    public_text,
    read_private_key,
    seal,
    sign,
    unseal,
    verify,
    write_private_key,
    x25519_public,
)


def test_signature_is_bound_to_its_domain_and_message():
    key = Ed25519PrivateKey.generate()
    public = ed25519_public(public_text(key))
    signature = sign(key, "college-return-v1", b"payload")
    assert verify(public, "college-return-v1", b"payload", signature)
    assert not verify(public, "college-receipt-v1", b"payload", signature)
    assert not verify(public, "college-return-v1", b"payload!", signature)
    assert not verify(ed25519_public(public_text(Ed25519PrivateKey.generate())), "college-return-v1", b"payload", signature)


def test_sealed_bytes_open_only_with_the_key_and_the_same_context():
    key = X25519PrivateKey.generate()
    sealed = seal(b"figures", x25519_public(public_text(key)), b"contest|body")
    assert b"figures" not in sealed
    assert unseal(sealed, key, b"contest|body") == b"figures"
    assert unseal(sealed, key, b"contest|other-body") is None
    assert unseal(sealed, X25519PrivateKey.generate(), b"contest|body") is None
    assert unseal(sealed[:-1] + bytes([sealed[-1] ^ 1]), key, b"contest|body") is None


def test_private_key_file_needs_its_passphrase_and_is_never_overwritten(tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "scrutineer.key"
    write_private_key(path, key, "correct horse")
    assert b"PRIVATE" in path.read_bytes() and (path.stat().st_mode & 0o777) == 0o600
    assert public_text(read_private_key(path, "correct horse")) == public_text(key)
    with pytest.raises(CollegeError, match="wrong passphrase"):
        read_private_key(path, "wrong")
    with pytest.raises(CollegeError, match="never overwritten"):
        write_private_key(path, Ed25519PrivateKey.generate(), "x")
    with pytest.raises(CollegeError, match="needs a passphrase"):
        write_private_key(tmp_path / "other.key", key, "")


def test_public_key_text_is_checked():
    with pytest.raises(CollegeError, match="not base64"):
        ed25519_public("not base64!")
    with pytest.raises(CollegeError, match="32 bytes"):
        x25519_public("AAAA")


def test_key_id_and_digest_are_stable():
    key = Ed25519PrivateKey.generate()
    assert key_id(key) == key_id(public_text(key)) and len(key_id(key)) == 16
    assert digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
