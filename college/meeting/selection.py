"""The selection file: what a selection meeting is to decide, and who may be chosen.

```toml
ward = "Riverside"
authority = "Example Borough Council"
seats = 3
positive_action = true      # a winnable multi-member ward (seed 000 B.i.b, I.iv.8)
women_seats = 1             # seats set aside for women in part one (1 or 2)
quorum = 20                 # set by the LCF (I.iii.e.i)

[[nominees]]
name = "Ann Example"
woman = true
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from college.errors import CollegeError
from college.model import Model, Name, parse_toml


class Nominee(Model):
    """A shortlisted nominee; `woman` says whether she stands in part one of a two-part ballot."""

    name: Name
    woman: bool = False


class Selection(Model):
    """A selection meeting's terms, from its TOML file."""

    ward: Name
    authority: Name | None = None
    seats: Annotated[int, Field(ge=1, le=20)]
    positive_action: bool = False
    women_seats: Annotated[int, Field(ge=0, le=2)] = 0
    quorum: Annotated[int, Field(ge=1)]
    nominees: Annotated[list[Nominee], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _rules(self) -> Selection:
        names = [nominee.name for nominee in self.nominees]
        if len(set(names)) != len(names):
            raise ValueError("each nominee is shortlisted once")
        if self.positive_action:
            # I.iv.8 and B.i.b: the two-part ballot is for a multi-seat selection where at
            # least one woman must be selected, with one or two seats set aside for women.
            if self.seats < 2:
                raise ValueError("positive_action: the two-part ballot is for a multi-seat selection (seed 000 I.iv.8)")
            if not 1 <= self.women_seats < self.seats:
                raise ValueError("women_seats: one or two seats, fewer than the seats, are set aside for women (seed 000 I.iv.8a)")
            if len(self.women) < 1:
                raise ValueError("nominees: a two-part ballot needs a woman nominee for part one (seed 000 B.i.b)")
        elif self.women_seats:
            raise ValueError("women_seats: seats are set aside for women only under positive_action (seed 000 I.iv.8)")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(nominee.name for nominee in self.nominees)

    @property
    def women(self) -> tuple[str, ...]:
        return tuple(nominee.name for nominee in self.nominees if nominee.woman)


def parse_selection(raw: bytes, file: str) -> Selection:
    return parse_toml(Selection, raw, file)


def load_selection(path: Path) -> Selection:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return parse_selection(raw, str(path))
