"""The flows' secrets: the party scrutineer's count key and receipt signing key.

Each comes from its environment variable, else from the Prefect Secret block that
`<variable>_BLOCK` names. A key is never logged, never a flow parameter, never in an
error message.
"""

from __future__ import annotations

import os

from college.ceremony import COUNT_KEY_VARIABLE, count_key_from_environment, parse_count_key
from college.errors import CollegeError
from college.signing import ed25519_private_from_secret


def _secret(variable: str) -> tuple[str, str]:
    """(secret text, where it came from): the environment variable, else the Prefect Secret block
    that `<variable>_BLOCK` names. Never logged, never in an error message."""
    if os.environ.get(variable):
        return os.environ[variable], variable
    block = os.environ.get(f"{variable}_BLOCK")
    if not block:
        raise CollegeError(f"not available: set {variable} or {variable}_BLOCK (a Prefect Secret block)", field=variable)
    from prefect.blocks.system import Secret

    return Secret.load(block).get(), f"Secret block {block}"


def count_key():
    """The party scrutineer's count key, which opens returns (COLLEGE_COUNT_KEY, or its Secret block)."""
    return count_key_from_environment() or parse_count_key(*_secret(COUNT_KEY_VARIABLE))


def receipt_key():
    """The party scrutineer's signing key for receipts (COLLEGE_RECEIPT_KEY, or its Secret block)."""
    return ed25519_private_from_secret(*_secret("COLLEGE_RECEIPT_KEY"))
