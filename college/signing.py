"""Signatures, sealing and keys: the library's schemes, used one way everywhere.

- Signatures are Ed25519 over a domain-separation prefix and the message, so that a
  signature made for one kind of document (a return, a receipt, a share) can never be
  passed off as another: the prefix names the format and its version.
- Sealing is HPKE (RFC 9180) from `cryptography`: X25519, HKDF-SHA256, AES-256-GCM,
  base mode. The `info` binds what the sealed bytes are for (contest, body), so a
  sealed file moved to another context does not open.
- Payloads are canonicalised with RFC 8785 before they are signed or hashed.
- Public keys travel as base64 of their 32 raw bytes; private keys are kept in
  PKCS#8 PEM files encrypted under a passphrase.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Annotated

import rfc8785
from pydantic import AfterValidator
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from college.errors import CollegeError

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)

PrivateKey = Ed25519PrivateKey | X25519PrivateKey
PublicKey = Ed25519PublicKey | X25519PublicKey


def digest(data: bytes) -> str:
    """SHA-256 of the bytes, in hex: the address of everything the store keeps."""
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    """RFC 8785 canonical JSON of a JSON-ready value (dicts, lists, str, int, bool, None)."""
    return rfc8785.dumps(value)


# --- signatures -------------------------------------------------------------------------


def _signed_message(domain: str, message: bytes) -> bytes:
    return domain.encode("ascii") + b"\0" + message


def sign(key: Ed25519PrivateKey, domain: str, message: bytes) -> bytes:
    return key.sign(_signed_message(domain, message))


def verify(key: Ed25519PublicKey, domain: str, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, _signed_message(domain, message))
    except InvalidSignature:
        return False
    return True


# --- sealing ----------------------------------------------------------------------------


def seal(plaintext: bytes, recipient: X25519PublicKey, info: bytes) -> bytes:
    return SUITE.encrypt(plaintext, recipient, info=info)


def unseal(ciphertext: bytes, key: X25519PrivateKey, info: bytes) -> bytes | None:
    """The plaintext, or None when the bytes do not open with this key and context."""
    try:
        return SUITE.decrypt(ciphertext, key, info=info)
    except Exception:  # the library raises several kinds; to the caller they all mean "does not open"
        return None


# --- keys -------------------------------------------------------------------------------


def public_text(key: PrivateKey | PublicKey) -> str:
    """A public key as base64 of its raw bytes (what a contest file or register holds)."""
    public = key.public_key() if isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(key: PrivateKey | PublicKey | str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    text = key if isinstance(key, str) else public_text(key)
    return digest(base64.b64decode(text))[:16]


def _raw_public(text: str, field: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CollegeError("not base64", field=field) from None
    if len(raw) != 32:
        raise CollegeError("a public key is 32 bytes in base64", field=field)
    return raw


def ed25519_public(text: str, field: str = "public_key") -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw_public(text, field))


def x25519_public(text: str, field: str = "public_key") -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_raw_public(text, field))


def private_pem(key: PrivateKey, passphrase: str) -> bytes:
    if not passphrase:
        raise CollegeError("a private key file needs a passphrase", field="passphrase")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )


def load_private_pem(data: bytes, passphrase: str, file: str = "key") -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode("utf-8") if passphrase else None)
    except (ValueError, TypeError):
        raise CollegeError("cannot open the private key: wrong passphrase, or not a key file", file=file) from None
    if not isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)):
        raise CollegeError("not an Ed25519 or X25519 private key", file=file)
    return key


def write_private_key(path: Path, key: PrivateKey, passphrase: str) -> None:
    """Write a new private key file, readable by its owner only; never replace one."""
    path = Path(path)
    try:
        with path.open("xb") as handle:
            path.chmod(0o600)
            handle.write(private_pem(key, passphrase))
    except FileExistsError:
        raise CollegeError("already exists: a key file is never overwritten", file=str(path)) from None


def read_private_key(path: Path, passphrase: str) -> PrivateKey:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return load_private_pem(data, passphrase, file=str(path))


def private_text(key: PrivateKey) -> str:
    """A private key as a secret store holds it: base64 of its 32 raw bytes."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode("ascii")


KEY_FILE_GIVEN = (
    "holds a passphrase-protected key file: give the key as `college secrets export KEYFILE` prints it "
    "(or put it in a Secret block with `college secrets block`)"
)


def ed25519_private_from_secret(text: str, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from secret text (base64 of 32 raw bytes). Errors name the source, never the text."""
    if "-----BEGIN ENCRYPTED PRIVATE KEY-----" in (text or ""):
        raise CollegeError(KEY_FILE_GIVEN, field=source)
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise CollegeError("must be base64 of the 32 raw bytes of an Ed25519 private key", field=source)
    return Ed25519PrivateKey.from_private_bytes(raw)


def _key_text(parse):
    def check(value: str) -> str:
        try:
            parse(value)
        except CollegeError as error:  # pydantic wants a ValueError; the message names the rule, not the key
            raise ValueError(error.message) from None
        return value

    return AfterValidator(check)


# Public keys as the contest file holds them: base64 of the 32 raw bytes, checked on reading.
Ed25519KeyText = Annotated[str, _key_text(ed25519_public)]
X25519KeyText = Annotated[str, _key_text(x25519_public)]
