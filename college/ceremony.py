"""The key ceremony and the quorum that opens the result; the count key read from a secret.

Seed 003 items 28-31: nobody releases figures before the declaration at the Electoral
College meeting. The result is therefore sealed to a declaration key that nobody
holds whole:

1. At a recorded key ceremony (`key_ceremony`) the declaration X25519 key pair is
   generated. Its public half goes into the contest file; the count seals the result
   to it (`seal_result`).
2. Its private half is wrapped with AES-256-GCM under a fresh random 256-bit key,
   and that wrapping key is split k-of-n among the Procedures Committee with
   Shamir's scheme (pycryptodome). pycryptodome splits 16-byte secrets, so the
   32-byte wrapping key is split as two 16-byte halves with the same indices: a
   member's share is their two 16-byte shares, 32 bytes. (The alternative, one
   AES-128 key, would have made the declaration key the only place the project
   uses 128-bit symmetric security.)
3. Each share is sealed (HPKE) to that member's own X25519 key, with the contest and
   the member bound in, and its SHA-256 is published in the ceremony record, so a
   tampered or foreign share is caught and its member named before anything is
   combined. The record holds nothing that lets fewer than k members open anything.
4. To declare, members open their shares (`open_share`) and each signs a
   contribution (`contribute`) bound to the ceremony, the purpose and the sealed
   result's hash. With k valid contributions, `open_declaration_key` rebuilds the
   wrapping key, unwraps the declaration key and checks it against the published
   public half; `open_result` then opens the result.

The count key (which opens returns) is another matter: it belongs to the party's
independent scrutineer and comes from a secret (`count_key_from_environment`,
`parse_count_key`), never from a file in the repository. No function here puts a
key, a share or a figure into an error message.
"""

from __future__ import annotations

import base64
import binascii
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import AwareDatetime, Field, ValidationError, model_validator

from college import strict_json
from college.contest import Committee, Contest, Member
from college.errors import CollegeError, from_validation_error
from college.folders import CONTRIBUTIONS
from college.model import Identifier, Model
from college.signing import (
    KEY_FILE_GIVEN,
    X25519KeyText,
    canonical,
    digest,
    ed25519_public,
    public_text,
    seal,
    sign,
    unseal,
    verify,
    x25519_public,
)

CEREMONY_FORMAT = "college-ceremony-v1"
CONTRIBUTION_FORMAT = "college-contribution-v1"
# Domains: what each sealed or signed thing is for, so none can be passed off as another.
SHARE_DOMAIN = "college-share-v1"
STORED_CONTRIBUTION_DOMAIN = "college-stored-contribution-v1"
WRAP_DOMAIN = "college-declaration-key-v1"
RESULT_DOMAIN = "college-result-v1"
DECLARE = "declare"
COUNT_KEY_VARIABLE = "COLLEGE_COUNT_KEY"

HALF = 16  # pycryptodome's Shamir splits 16-byte secrets
SHARE_BYTES = 2 * HALF
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 in hex")]


@dataclass(frozen=True)
class MemberKeys:
    """A member's two private keys. Kept in passphrase-protected files; never in a model or a log."""

    signing: Ed25519PrivateKey
    share: X25519PrivateKey

    @classmethod
    def generate(cls) -> MemberKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def member(self, id: str, name: str, role: str) -> Member:
        """The public entry for the contest file."""
        return Member(id=id, name=name, role=role, signing_key=public_text(self.signing), share_key=public_text(self.share))



class SealedShare(Model):
    member: Identifier
    index: int = Field(ge=1, description="the share's Shamir index (x-coordinate)")
    share_hash: Sha256 = Field(description="SHA-256 of the 32 share bytes: identifies a bad share at the opening")
    sealed: str = Field(description="base64 HPKE ciphertext of the share, sealed to the member's share_key")


class Ceremony(Model):
    """The public record of a key ceremony. Publishing it whole reveals nothing below a quorum."""

    format: Literal["college-ceremony-v1"] = CEREMONY_FORMAT
    contest: Identifier
    held_at: AwareDatetime
    conducted_by: str | None = Field(default=None, max_length=200, description="who ran the ceremony")
    dry_run: bool = False
    committee: Committee = Field(description="the committee as at the ceremony: members, their keys, the quorum")
    declaration_public_key: X25519KeyText = Field(description="X25519 public key (base64) the result is sealed to")
    wrapped_private_key: str = Field(
        description="base64 of a 12-byte nonce and the AES-256-GCM ciphertext of the declaration private key"
    )
    shares: list[SealedShare]

    @model_validator(mode="after")
    def _one_share_per_member(self) -> Ceremony:
        members = [m.id for m in self.committee.members]
        if sorted(s.member for s in self.shares) != sorted(members):
            raise ValueError("shares: there must be exactly one share for each committee member")
        if sorted(s.index for s in self.shares) != list(range(1, len(members) + 1)):
            raise ValueError("shares: the indices must be 1..n, once each")
        return self

    def share_of(self, member_id: str) -> SealedShare:
        self.committee.member(member_id)
        return next(s for s in self.shares if s.member == member_id)

    @property
    def hash(self) -> str:
        """SHA-256 of the record's canonical JSON: what each contribution is bound to."""
        return digest(canonical(self.model_dump(mode="json")))


class ContributionStatement(Model):
    """What a member signs. It carries the share's hash, not the share, so it can go into the ledger."""

    format: Literal["college-contribution-v1"] = CONTRIBUTION_FORMAT
    contest: Identifier
    ceremony: Sha256 = Field(description="hash of the ceremony record")
    member: Identifier
    purpose: Identifier = Field(description='what the member authorises, normally "declare"')
    result_hash: Sha256 | None = Field(default=None, description="SHA-256 of the sealed result to be opened")
    made_at: AwareDatetime
    share_hash: Sha256


class ContributionRecord(Model):
    """A signed statement without the share: what the ledger records of who took part."""

    statement: ContributionStatement
    signature: str = Field(description="base64 Ed25519 signature over the canonical statement")


class Contribution(ContributionRecord):
    """A member's signed contribution to opening the result.

    `share` is secret until the declaration: the file goes to whoever runs the declaration,
    and only `ledger_record()` (who, what for, when, the signature) goes into the ledger.
    """

    share: str = Field(description="base64 of the member's 32 share bytes")

    def ledger_record(self) -> ContributionRecord:
        """Who took part and what they signed, without the share: verifiable with `verify_record`."""
        return ContributionRecord(statement=self.statement, signature=self.signature)


# --- the ceremony -----------------------------------------------------------------------


def share_info(contest_id: str, member_id: str) -> bytes:
    """HPKE context of a member's sealed share: it opens for this contest and member only."""
    return f"{SHARE_DOMAIN}\0{contest_id}\0{member_id}".encode()


def _wrap_aad(contest_id: str, declaration_public_key: str) -> bytes:
    return f"{WRAP_DOMAIN}\0{contest_id}\0{declaration_public_key}".encode()


def key_ceremony(
    contest: Contest,
    committee: Committee,
    now: datetime,
    *,
    conducted_by: str | None = None,
    dry_run: bool = False,
) -> Ceremony:
    """Generate the declaration key pair and give each member their share, sealed to them.

    Returns the public ceremony record; the private key and the wrapping key exist only
    inside this call. `contest.declaration_public_key` must not be set yet, and a committee
    already in the contest file must be the one given.
    """
    if contest.declaration_public_key:
        raise CollegeError("already has a declaration key: the ceremony is held once per contest", field="declaration_public_key")
    if contest.committee is not None and contest.committee != committee:
        raise CollegeError("the committee given is not the one in the contest file", field="committee")
    declaration = X25519PrivateKey.generate()
    public = public_text(declaration)
    wrapping_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    raw = declaration.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    wrapped = nonce + AESGCM(wrapping_key).encrypt(nonce, raw, _wrap_aad(contest.id, public))

    n, k = len(committee.members), committee.quorum
    low = Shamir.split(k, n, wrapping_key[:HALF])
    high = Shamir.split(k, n, wrapping_key[HALF:])
    shares = []
    for member, (index, low_part), (high_index, high_part) in zip(committee.members, low, high, strict=True):
        assert index == high_index  # both halves use indices 1..n in order
        share = low_part + high_part
        sealed = seal(share, x25519_public(member.share_key, "share_key"), share_info(contest.id, member.id))
        shares.append(
            SealedShare(member=member.id, index=index, share_hash=digest(share), sealed=_b64(sealed))
        )
    return Ceremony(
        contest=contest.id,
        held_at=now,
        conducted_by=conducted_by,
        dry_run=dry_run,
        committee=committee,
        declaration_public_key=public,
        wrapped_private_key=_b64(wrapped),
        shares=shares,
    )


def check_ceremony(ceremony: Ceremony, contest: Contest) -> None:
    """Raise unless the ceremony record belongs to this contest file (id, key, committee)."""
    if ceremony.contest != contest.id:
        raise CollegeError(f"the ceremony is for contest {ceremony.contest!r}, not {contest.id!r}", field="contest")
    if contest.declaration_public_key != ceremony.declaration_public_key:
        raise CollegeError("the contest's declaration key is not the one this ceremony made", field="declaration_public_key")
    committee = contest.committee
    if committee is not None and committee != ceremony.committee:
        raise CollegeError("the contest's committee is not the one that took part in this ceremony", field="committee")


# --- the members' part ------------------------------------------------------------------


def open_share(ceremony: Ceremony, member_id: str, share_private_key: X25519PrivateKey) -> bytes:
    """The member's 32 share bytes, opened with their X25519 key and checked against the published hash."""
    member = ceremony.committee.member(member_id)
    entry = ceremony.share_of(member_id)
    sealed = _unb64(entry.sealed, f"shares.{member_id}.sealed")
    share = unseal(sealed, share_private_key, share_info(ceremony.contest, member_id))
    if share is None:
        raise CollegeError(
            f"the share of {_who(member)} does not open with this key: not that member's share key, "
            "or the sealed share was altered",
            field="share_key",
        )
    if digest(share) != entry.share_hash:
        raise CollegeError(f"the share of {_who(member)} does not match the hash published at the ceremony", field="shares")
    return share


def contribute(
    ceremony: Ceremony,
    member_id: str,
    share: bytes,
    signing_key: Ed25519PrivateKey,
    now: datetime,
    *,
    purpose: str = DECLARE,
    result_hash: str | None = None,
) -> Contribution:
    """The member's signed contribution: their share, bound to this ceremony, purpose and sealed result."""
    member = ceremony.committee.member(member_id)
    if digest(share) != ceremony.share_of(member_id).share_hash:
        raise CollegeError(f"this is not the share of {_who(member)} published at the ceremony", field="share")
    if public_text(signing_key) != member.signing_key:
        raise CollegeError(f"the signing key is not the one registered for {_who(member)}", field="signing_key")
    try:
        statement = ContributionStatement(
            contest=ceremony.contest,
            ceremony=ceremony.hash,
            member=member_id,
            purpose=purpose,
            result_hash=result_hash,
            made_at=now,
            share_hash=digest(share),
        )
    except ValidationError as error:
        raise from_validation_error(error, file="contribution") from None
    signature = sign(signing_key, CONTRIBUTION_FORMAT, canonical(statement.model_dump(mode="json")))
    return Contribution(statement=statement, signature=_b64(signature), share=_b64(share))


def verify_record(
    ceremony: Ceremony,
    record: ContributionRecord,
    *,
    purpose: str | None = DECLARE,
    result_hash: str | None = None,
) -> list[str]:
    """Every problem with a signed statement (a contribution or its ledger record), each naming
    the member and the rule; empty when it is good.

    `purpose` and `result_hash`, when given, must be what the member signed.
    """
    statement = record.statement
    try:
        member = ceremony.committee.member(statement.member)
    except CollegeError:
        return [f"contribution from {statement.member!r}: not a member of the committee at this ceremony"]
    who = f"contribution from {_who(member)}"
    problems = []
    if statement.contest != ceremony.contest:
        problems.append(f"{who}: made for contest {statement.contest!r}, not {ceremony.contest!r}")
    if statement.ceremony != ceremony.hash:
        problems.append(f"{who}: made for another key ceremony")
    if purpose is not None and statement.purpose != purpose:
        problems.append(f"{who}: signed for purpose {statement.purpose!r}, not {purpose!r}")
    if result_hash is not None and statement.result_hash != result_hash:
        problems.append(f"{who}: signed for another sealed result")
    signature = _decode(record.signature)
    if signature is None or not verify(
        ed25519_public(member.signing_key), CONTRIBUTION_FORMAT, canonical(statement.model_dump(mode="json")), signature
    ):
        problems.append(f"{who}: the signature does not verify with the member's registered signing key")
    if statement.share_hash != ceremony.share_of(member.id).share_hash:
        problems.append(f"{who}: the signed statement names another share than the one published at the ceremony")
    return problems


def verify_contribution(
    ceremony: Ceremony,
    contribution: Contribution,
    *,
    purpose: str | None = DECLARE,
    result_hash: str | None = None,
) -> list[str]:
    """Every problem with one contribution: its signed statement, and its share against the published hash."""
    problems = verify_record(ceremony, contribution, purpose=purpose, result_hash=result_hash)
    member = next((m for m in ceremony.committee.members if m.id == contribution.statement.member), None)
    if member is None:  # already reported: no published share to compare with
        return problems
    share = _decode(contribution.share)
    if share is None or len(share) != SHARE_BYTES or digest(share) != ceremony.share_of(member.id).share_hash:
        problems.append(
            f"contribution from {_who(member)}: the share does not match the hash published at the ceremony "
            "(tampered or foreign)"
        )
    return problems


def check_contributions(
    ceremony: Ceremony,
    contributions: Iterable[Contribution],
    *,
    purpose: str | None = DECLARE,
    result_hash: str | None = None,
) -> tuple[list[Contribution], list[str]]:
    """(the good contributions, one per member, in share order; every problem with the others)."""
    good: dict[str, Contribution] = {}
    problems = []
    for contribution in contributions:
        found = verify_contribution(ceremony, contribution, purpose=purpose, result_hash=result_hash)
        if found:
            problems.extend(found)
        else:
            good.setdefault(contribution.statement.member, contribution)  # the same member twice counts once
    order = {s.member: s.index for s in ceremony.shares}
    return sorted(good.values(), key=lambda c: order[c.statement.member]), problems


def open_declaration_key(
    ceremony: Ceremony,
    contributions: Iterable[Contribution],
    *,
    purpose: str | None = DECLARE,
    result_hash: str | None = None,
) -> X25519PrivateKey:
    """The declaration private key, rebuilt from a quorum of good contributions.

    Any bad contribution is an error naming its member (leave it out, or ask the member
    to contribute again); fewer than the quorum is an error saying how many more are needed.
    """
    good, problems = check_contributions(ceremony, contributions, purpose=purpose, result_hash=result_hash)
    if problems:
        raise CollegeError("; ".join(problems), field="contributions")
    k, n = ceremony.committee.quorum, len(ceremony.committee.members)
    if len(good) < k:
        names = ", ".join(_who(ceremony.committee.member(c.statement.member)) for c in good) or "none"
        raise CollegeError(
            f"{len(good)} of the {k} contributions the quorum needs ({k} of {n}): "
            f"{k - len(good)} more needed (contributed: {names})",
            field="contributions",
        )
    index = {s.member: s.index for s in ceremony.shares}
    parts = [(index[c.statement.member], base64.b64decode(c.share)) for c in good[:k]]  # exactly k, as Shamir asks
    wrapping_key = Shamir.combine([(i, s[:HALF]) for i, s in parts]) + Shamir.combine([(i, s[HALF:]) for i, s in parts])
    wrapped = _unb64(ceremony.wrapped_private_key, "wrapped_private_key")
    try:
        raw = AESGCM(wrapping_key).decrypt(wrapped[:12], wrapped[12:], _wrap_aad(ceremony.contest, ceremony.declaration_public_key))
    except (InvalidTag, ValueError):
        raise CollegeError(
            "the shares do not unwrap the declaration key: the ceremony record was altered", field="wrapped_private_key"
        ) from None
    key = X25519PrivateKey.from_private_bytes(raw)
    if public_text(key) != ceremony.declaration_public_key:
        raise CollegeError("the unwrapped key is not the published declaration key", field="declaration_public_key")
    return key


# --- the result under seal ----------------------------------------------------------------


def result_info(contest_id: str) -> bytes:
    """HPKE context of a sealed result: it opens for this contest only."""
    return f"{RESULT_DOMAIN}\0{contest_id}".encode()


def seal_result(result_bytes: bytes, contest: Contest | str, declaration_public_key: str | X25519PublicKey) -> bytes:
    """The result sealed (HPKE) to the declaration key, bound to the contest."""
    public = (
        x25519_public(declaration_public_key, "declaration_public_key")
        if isinstance(declaration_public_key, str)
        else declaration_public_key
    )
    return seal(result_bytes, public, result_info(_contest_id(contest)))


def open_result(sealed: bytes, contest: Contest | str, declaration_private_key: X25519PrivateKey) -> bytes:
    """The result's bytes; a CollegeError if the key or the contest is wrong or the bytes were altered."""
    opened = unseal(sealed, declaration_private_key, result_info(_contest_id(contest)))
    if opened is None:
        raise CollegeError(
            "the sealed result does not open with this declaration key (wrong key, another contest, or altered)",
            field="result",
        )
    return opened


# --- the count key ----------------------------------------------------------------------


def parse_count_key(text: str, source: str = COUNT_KEY_VARIABLE) -> X25519PrivateKey:
    """The count's X25519 private key from secret text: an unencrypted PKCS#8 PEM
    ("-----BEGIN PRIVATE KEY-----"), or base64 of the 32 raw private bytes.

    `source` names where the text came from (a variable or a Secret block) in errors,
    which never quote the text.
    """
    text = (text or "").strip()
    if not text:
        raise CollegeError("is empty: it must hold the count's X25519 private key", field=source)
    if text.startswith("-----BEGIN ENCRYPTED"):
        raise CollegeError(KEY_FILE_GIVEN, field=source)
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), None)
        except (ValueError, TypeError, UnicodeEncodeError):
            raise CollegeError("is not an unencrypted PKCS#8 PEM private key", field=source) from None
        if not isinstance(key, X25519PrivateKey):
            raise CollegeError("holds a private key that is not X25519", field=source)
        return key
    raw = _decode(text)
    if raw is None or len(raw) != 32:
        raise CollegeError("must be a PEM private key or base64 of 32 raw X25519 bytes", field=source)
    return X25519PrivateKey.from_private_bytes(raw)


def count_key_from_environment(environ: Mapping[str, str] | None = None) -> X25519PrivateKey | None:
    """The count key from COLLEGE_COUNT_KEY, or None when it is not set (the flow then tries its Secret block)."""
    environ = os.environ if environ is None else environ
    text = environ.get(COUNT_KEY_VARIABLE)
    return None if text is None else parse_count_key(text, COUNT_KEY_VARIABLE)


# --- helpers ----------------------------------------------------------------------------


def _who(member: Member) -> str:
    return f"{member.name} ({member.id})"


def _contest_id(contest: Contest | str) -> str:
    return contest if isinstance(contest, str) else contest.id


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _unb64(text: str, field: str) -> bytes:
    data = _decode(text)
    if data is None:
        raise CollegeError("not base64", field=field)
    return data


# --- the contest file -------------------------------------------------------------------


def declaration_key_line(public_key: str) -> str:
    return f'declaration_public_key = "{public_key}"'


def add_declaration_key(contest_text: str, public_key: str) -> str | None:
    """The contest file's text with the declaration key added, changing nothing else; None if unsafe.

    tomllib only reads, so the line is inserted by hand: a top-level key goes before the
    first table header. The edit stands only if the new text parses to exactly the old
    data plus that key (so comments and layout survive, and a header hidden in a
    multi-line string cannot mislead it); otherwise None, and the caller prints the line.
    """
    try:
        before = tomllib.loads(contest_text)
    except tomllib.TOMLDecodeError:
        return None
    if "declaration_public_key" in before:
        return None
    lines = contest_text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    while at > 0 and lines[at - 1].lstrip().startswith("#"):  # keep a table's heading comment with it
        at -= 1
    head = "".join(lines[:at])
    if head and not head.endswith("\n"):
        head += "\n"
    text = head + declaration_key_line(public_key) + "\n" + ("\n" if at < len(lines) else "") + "".join(lines[at:])
    try:
        after = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return text if after == {**before, "declaration_public_key": public_key} else None


# --- files ------------------------------------------------------------------------------


def load_ceremony(path: str | Path) -> Ceremony:
    """Read and validate a ceremony record (JSON); any problem names the file and the field."""
    return _load(Ceremony, Path(path))


def load_contribution(path: str | Path) -> Contribution:
    """Read and validate a member's contribution (JSON); any problem names the file and the field."""
    return _load(Contribution, Path(path))


def _load(model: type[Model], path: Path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return strict_json.parse(model, data, file=str(path))




def contribution_key(sealed_hash: str, member: str) -> str:
    return f"{CONTRIBUTIONS}/{sealed_hash}/{member}.json"


def _stored_info(contest_id: str) -> bytes:
    return f"{STORED_CONTRIBUTION_DOMAIN}:{contest_id}".encode()


def seal_contribution(data: bytes, contest: Contest) -> bytes:
    """A contribution as `--to-store` keeps it: sealed to the count key. Every role reads the bucket,
    and a quorum of shares in clear would open the result before the declaration; sealed, only the
    workers that run the declaration (which hold the count key) open them."""
    if not contest.count_public_key:
        raise CollegeError("the contest names no count key to seal the contribution to", field="count_public_key")
    return seal(data, x25519_public(contest.count_public_key, field="count_public_key"), _stored_info(contest.id))


def stored_contributions(store, sealed_hash: str, contest: Contest, count_key: X25519PrivateKey) -> list[Contribution]:
    """The contributions the members put into the store for this sealed result, each opened with the count key."""
    prefix = f"{CONTRIBUTIONS}/{sealed_hash}/"
    found = []
    for key in store.list(prefix):
        opened = unseal(store.get(key), count_key, _stored_info(contest.id))
        if opened is None:
            raise CollegeError("does not open with the count key: put it with `college ceremony contribute --to-store`",
                               file=key)
        found.append(strict_json.parse(Contribution, opened, file=key))
    if not found:
        raise CollegeError("no contribution given and none in the store for the sealed result "
                           "(`college ceremony contribute --to-store`)", field="--contribution")
    return found
