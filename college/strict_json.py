"""JSON read one way everywhere: a key given twice is refused (rule `duplicate-key`).

Issue 15 item 1: with a key given twice, JSON readers disagree on its value (most take
the last, some the first, some refuse), so two readers of the same signed bytes could
see two different returns. Every JSON file the project reads (envelope, return, receipt,
ceremony, contribution, decisions, profile, ledger entry, declaration, committee
decision, checkpoint) goes through `loads` or `parse` first.

Errors name the key by its path of known field names; a key the model does not know is
shown as "(unknown key)", since a key inside a sealed return could itself carry a figure.
"""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from college.errors import CollegeError, from_validation_error

RULE = "duplicate-key"
MESSAGE = f"{RULE}: a key is given twice, so two readers could take different values"

M = TypeVar("M", bound=BaseModel)


class DuplicateKey(CollegeError):
    """JSON with a key given twice; `path` is where, as a list of keys and list indexes."""

    rule = RULE

    def __init__(self, path: list[str | int], *, file: str | None, known: Container[str] | None):
        self.path = path
        shown = [str(p) if isinstance(p, int) or known is None or p in known else "(unknown key)" for p in path]
        super().__init__(MESSAGE, file=file, field=".".join(shown) or "(top level)")


class _Object(dict):
    """A JSON object as read, remembering the keys it was given more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    value = _Object(pairs)
    value.repeated = [key for key, _ in pairs] if len(value) != len(pairs) else []
    return value


def _first_repeat(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, _Object):
        if value.repeated:
            seen: set[str] = set()
            for key in value.repeated:
                if key in seen:
                    return [*path, key]
                seen.add(key)
        for key, item in value.items():
            found = _first_repeat(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_repeat(item, [*path, index])
            if found is not None:
                return found
    return None


def loads(data: bytes | str, *, file: str | None = None, known: Container[str] | None = None) -> Any:
    """The JSON value; `DuplicateKey` when any object in it gives a key twice, `ValueError` when it
    is not JSON (or is nested too deeply to read). `known` lists the key names that may be shown in
    the error (None: all)."""
    try:
        value = json.loads(data, object_pairs_hook=_pairs)
        path = _first_repeat(value, [])
    except RecursionError:  # nested deeper than the reader follows: not JSON to any reader here, not a defect
        raise json.JSONDecodeError("nested too deeply to read", "", 0) from None
    if path is not None:
        raise DuplicateKey(path, file=file, known=known)
    return value


def refuse_duplicates(data: bytes | str, *, file: str | None = None, known: Container[str] | None = None) -> None:
    """Raise `DuplicateKey` if the JSON gives a key twice; say nothing about JSON that does not parse
    (the model's own reader then names that problem as it always has)."""
    try:
        loads(data, file=file, known=known)
    except ValueError:
        return


def model_fields(*models: type[BaseModel]) -> frozenset[str]:
    """Every field name of these models (and the models they hold): the keys an error may name."""
    names: set[str] = set()
    pending = list(models)
    while pending:
        model = pending.pop()
        for name, info in model.model_fields.items():
            names.add(name)
            for arg in _model_arguments(info.annotation):
                if arg not in pending:
                    pending.append(arg)
    return frozenset(names)


def _model_arguments(annotation) -> list[type[BaseModel]]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_model_arguments(arg))
    return found


def parse(model: type[M], data: bytes | str, *, file: str) -> M:
    """A JSON file read into its model: duplicate keys refused, then pydantic's checks; any problem is
    one CollegeError naming the file and the field."""
    refuse_duplicates(data, file=file, known=model_fields(model))
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        raise from_validation_error(error, file=file) from None
