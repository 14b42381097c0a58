"""What every file model shares: unknown keys are errors, and names and identifiers have one shape."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=200)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Model(BaseModel):
    """Base for every model read from or written to a file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
