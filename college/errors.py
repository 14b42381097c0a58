"""Errors a user can act on: each names the file, the field and the rule."""

from __future__ import annotations


class CollegeError(Exception):
    """A problem with the user's input or request, stated as one clear line."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.file = file
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


def pydantic_problems(error) -> list[tuple[str, str]]:
    """(field path, message) for each problem in a pydantic ValidationError, without input values.

    Input values are left out on purpose: they may be figures under embargo.
    """
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problems.append((path, item["msg"]))
    return problems


def from_validation_error(error, *, file: str) -> CollegeError:
    """One CollegeError listing every problem pydantic found."""
    problems = pydantic_problems(error)
    field, message = problems[0]
    if len(problems) > 1:
        rest = "; ".join(f"{f}: {m}" for f, m in problems[1:])
        message = f"{message} (and {len(problems) - 1} more: {rest})"
    return CollegeError(message, file=file, field=field)
