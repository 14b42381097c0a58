"""`college secrets export|block`: a key file from `college keygen` made into what the flows read.

The flows read the party scrutineer's keys from the environment (COLLEGE_COUNT_KEY,
COLLEGE_RECEIPT_KEY) or from Prefect Secret blocks (named by COLLEGE_COUNT_KEY_BLOCK,
COLLEGE_RECEIPT_KEY_BLOCK): base64 of the key's 32 raw bytes. These commands open a
passphrase-protected key file and give the key in that form, so no `openssl` is needed
between `keygen` and a running flow. The key is printed only to standard output, for a
`$(...)` to take, or put into a Secret block; it never goes into a log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.cli.application import app, clean_errors, err, passphrase
from college.errors import CollegeError
from college.signing import private_text, read_private_key

secrets_app = typer.Typer(help="The party scrutineer's keys, as the flows read them.", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")

KeyArgument = Annotated[Path, typer.Argument(metavar="KEYFILE", help="a key file `college keygen` wrote")]


def _open(key_file: Path):
    key = read_private_key(key_file, passphrase())
    variable = "COLLEGE_COUNT_KEY" if isinstance(key, X25519PrivateKey) else "COLLEGE_RECEIPT_KEY"
    return key, variable


@secrets_app.command("export")
@clean_errors
def export(key_file: KeyArgument) -> None:
    """Print the key as the flows read it, for the environment:
    export COLLEGE_COUNT_KEY="$(college secrets export count.key)"."""
    key, variable = _open(key_file)
    if not typer.get_text_stream("stdout").isatty():
        typer.echo(private_text(key))
        return
    raise CollegeError(
        f"the key would be shown on the terminal: take it into the environment with "
        f'export {variable}="$(college secrets export {key_file})"', file=str(key_file),
    )


@secrets_app.command("block")
@clean_errors
def block(
    key_file: KeyArgument,
    name: Annotated[str, typer.Option("--name", help="the Secret block's name, e.g. college-count-key")],
) -> None:
    """Put the key into a Prefect Secret block (never overwritten) and print the variable that names it for the flows."""
    key, variable = _open(key_file)
    from prefect.blocks.system import Secret

    try:
        Secret.load(name)
    except ValueError:  # no block of that name: make it
        Secret(value=private_text(key)).save(name)
    else:
        raise CollegeError("a Secret block of this name exists: choose another name, nothing was replaced", field="--name")
    err.print(f"Secret block {name} holds the key; the flows find it with:", markup=False, highlight=False)
    typer.echo(f"export {variable}_BLOCK={name}")
