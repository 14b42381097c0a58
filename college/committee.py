"""The Procedures Committee as the contest file names it: its members, their keys and the quorum.

Seed 003 item 2: the NEC establishes a Procedures Committee of six — the General
Secretary (as Procedures Secretary), the Chair and Vice Chair of the NEC, the Chair of
the NEC Organisation Sub-Committee, the Co-convenor of the JPC and the Chair of the CAC.
The committee oversees the election; here it also holds the declaration key between
them, so that a quorum of them, and no fewer, can open the sealed result.

Each member registers two public keys: an Ed25519 key that verifies the contributions
they sign, and an X25519 key to which their share of the declaration key is sealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import Field, model_validator

from college.errors import CollegeError
from college.model import Identifier, Model, Name
from college.signing import Ed25519KeyText, X25519KeyText, public_text

# Seed 003 item 2, in the order the seed lists them: (id used in the dry runs, role).
SEED_003_ROLES: tuple[tuple[str, str], ...] = (
    ("procedures-secretary", "General Secretary (Procedures Secretary)"),
    ("nec-chair", "Chair of the NEC"),
    ("nec-vice-chair", "Vice Chair of the NEC"),
    ("org-sub-chair", "Chair of NEC Organisation Sub-Committee"),
    ("jpc-co-convenor", "Co-convenor of JPC"),
    ("cac-chair", "Chair of CAC"),
)


class Member(Model):
    id: Identifier
    name: Name
    role: Name
    signing_key: Ed25519KeyText = Field(
        description="Ed25519 public key (base64 of 32 bytes): verifies the member's contributions"
    )
    share_key: X25519KeyText = Field(
        description="X25519 public key (base64 of 32 bytes): the member's share of the declaration key is sealed to it"
    )


class Committee(Model):
    members: list[Member] = Field(min_length=1)
    quorum: int = Field(ge=1, description="how many members must contribute their shares to open the result")

    @model_validator(mode="after")
    def _consistent(self) -> Committee:
        if self.quorum > len(self.members):
            raise ValueError(f"quorum: {self.quorum} is more than the {len(self.members)} members")
        seen: dict[str, str] = {}
        for member in self.members:
            for what, value in (("id", member.id), ("signing_key", member.signing_key), ("share_key", member.share_key)):
                # One key text shared by two members (or by both roles of one) would let one person act twice.
                if value in seen:
                    raise ValueError(f"members: {member.id!r} has the same {what} as {seen[value]!r}")
                seen[value] = member.id
        return self

    def member(self, member_id: str) -> Member:
        for member in self.members:
            if member.id == member_id:
                return member
        known = ", ".join(m.id for m in self.members)
        raise CollegeError(f"no member {member_id!r} on the committee (members: {known})", field="member")


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


def dry_run_committee(quorum: int = 3) -> tuple[Committee, dict[str, MemberKeys]]:
    """Seed 003's six-member committee with keys made for this run only (dry runs and tests)."""
    keys = {member_id: MemberKeys.generate() for member_id, _ in SEED_003_ROLES}
    members = [keys[member_id].member(member_id, f"DRY RUN {role}", role) for member_id, role in SEED_003_ROLES]
    return Committee(members=members, quorum=quorum), keys
