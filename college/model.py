"""What every file model shares: unknown keys are errors, and names and identifiers have one shape."""

from __future__ import annotations

import tomllib
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from college.errors import CollegeError, from_validation_error

Name = Annotated[str, Field(min_length=1, max_length=200)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Model(BaseModel):
    """Base for every model read from or written to a file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


def parse_toml(model: type[M], raw: bytes | str, file: str) -> M:
    """A TOML file read into its model; any problem is one CollegeError naming the file and field."""
    try:
        data = tomllib.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError:
        raise CollegeError("not UTF-8 text", file=file) from None
    except tomllib.TOMLDecodeError as error:
        raise CollegeError(f"not valid TOML ({error})", file=file) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error, file=file) from None
