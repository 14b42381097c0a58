"""The declaration of support's agreed wordings, as the register records them (seed 003 items 11, 15-17).

[11, 16] Where a society admits people who are not Labour members, its ballot paper
carries a statement of support for the Labour Party which the member must assent to; a
paper returned without it is ineligible. A society whose members must all be Labour
members carries none. [16] The wording is agreed with the Procedures Committee; the trade
union wording is given in the guidelines (`TRADE_UNION`).

Each agreed wording is kept as its text and the SHA-256 of that text (UTF-8, exactly as
recorded), so a return can name the wording its papers carried by hash and the check is
exact. A body in the register names the wording agreed for it.
"""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import Field, model_validator

from college.model import Identifier, Model

# Seed 003 item 16, word for word.
TRADE_UNION = (
    "I support the principles and policies of the Labour Party, am not a supporter of any organisation "
    "opposed to it and pay a political subscription to the body that issued this ballot paper."
)

def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Wording(Model):
    """A wording of the declaration of support agreed with the Procedures Committee [16]."""

    id: Identifier
    text: str = Field(min_length=1, max_length=2000, description="the declaration as printed on the paper")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the text's UTF-8 bytes, in hex")
    agreed_on: date = Field(description="the day the Procedures Committee agreed it")

    @model_validator(mode="after")
    def _hash_is_the_text_s(self) -> Wording:
        if text_hash(self.text) != self.sha256:
            raise ValueError(f"wordings: {self.id!r}: [wording-hash] sha256 is not the SHA-256 of its text")
        return self
