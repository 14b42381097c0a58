"""`college ledger verify|show` and `college receipt verify`: checking the record of the count.

Everything these commands print is procedure (events, bodies, hashes, rules), never a figure.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from college.cli.application import StoreOption, app, clean_errors, err, out
from college.checkpoints import latest_checkpoint, read_checkpoint, verify_checkpoints
from college.errors import CollegeError
from college.ledger import Ledger
from college.preconditions import require_store
from college.receipts import read_receipt, verify_receipt
from college.store import store_from

ledger_app = typer.Typer(help="The ledger: every event of the count, as a hash chain.", no_args_is_help=True)
receipt_app = typer.Typer(help="Receipts given to those who submit returns.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
app.add_typer(receipt_app, name="receipt")



def _ledger(store: str | None) -> Ledger:
    """The ledger of a store that was set up: a mistyped store is an error, not an empty ledger that verifies."""
    where = store_from(store or None)
    require_store(where)
    return Ledger(where)


def _problems(problems) -> None:
    for problem in problems:
        err.print(f"problem: {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


KeyOption = Annotated[
    str | None,
    typer.Option("--key", metavar="PUBKEY", help="the party scrutineer's public key: base64, or a file holding it"),
]


def _public_key(key: str) -> str:
    """The key as given: base64, or a file holding it, alone or as the line `keygen` prints (`public_key = "..."`)."""
    path = Path(key)
    if not path.is_file():
        return key.strip()
    text = path.read_text(encoding="utf-8").strip()
    if "=" in text.rstrip("="):
        try:
            values = list(tomllib.loads(text).values())
        except tomllib.TOMLDecodeError:
            values = []
        if len(values) != 1 or not isinstance(values[0], str):
            raise CollegeError("expected one public key, or the one line `college keygen` printed", file=key)
        return values[0]
    return text


@ledger_app.command("verify")
@clean_errors
def verify_ledger(
    store: StoreOption = None,
    key: KeyOption = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="a checkpoint published to you (college ledger checkpoint); repeat for several"),
    ] = None,
) -> None:
    """Check every entry's hash, position and link, and with --key the checkpoints the party's
    scrutineer signed (kept in the store, and those published to you): a cut tail or an entry
    appended without the key is caught. Names the position of anything wrong."""
    ledger = _ledger(store)
    problems = [str(p) for p in ledger.verify()]
    if checkpoint and key is None:
        raise CollegeError("a checkpoint is checked with the scrutineer's public key: give --key", field="--key")
    if key is not None:
        published = [(str(path), _read(path)) for path in checkpoint or []]
        problems += verify_checkpoints(ledger, _public_key(key), published)
    if problems:
        _problems(problems)
    head = ledger.head()
    signed = " and every entry is under a checkpoint the scrutineer signed" if key is not None else \
        " (checkpoints not checked: give --key)"
    if head is None:
        out.print(f"the ledger in {ledger.store.uri} is empty", soft_wrap=True)
    else:
        out.print(f"the ledger verifies{signed}: {head.position + 1} entries, head {head.position} {head.hash}",
                  highlight=False, soft_wrap=True)


@ledger_app.command("checkpoint")
@clean_errors
def checkpoint_command(
    store: StoreOption = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="write it to this file (else print it)")] = None,
) -> None:
    """The latest signed checkpoint (the ledger's size and head), to publish to the bodies and the committee."""
    ledger = _ledger(store)
    data = latest_checkpoint(ledger)
    if data is None:
        raise CollegeError("no checkpoint yet: the ledger is empty or was written without the scrutineer's key",
                           file=ledger.store.uri)
    if out_file is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    out_file.write_bytes(data)
    signed = read_checkpoint(data)
    out.print(f"checkpoint of {signed.checkpoint.size} entries, head {signed.checkpoint.head}, written to {out_file}",
              markup=False, highlight=False, soft_wrap=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None


@ledger_app.command("show")
@clean_errors
def show_ledger(
    store: StoreOption = None,
    format: Annotated[str, typer.Option("--format", help="table or jsonl")] = "table",
) -> None:
    """Show the ledger: procedure only (events, bodies, objects, rules), no figures."""
    if format not in ("table", "jsonl"):
        raise CollegeError(f"--format must be table or jsonl, got {format!r}", field="--format")
    ledger = _ledger(store)
    if format == "jsonl":
        typer.echo(ledger.export_jsonl().decode("utf-8"), nl=False)
        return
    table = Table("#", "time (UTC)", "event", "body", "object", "reasons", title=f"ledger {ledger.store.uri}")
    for entry in ledger.entries():
        table.add_row(
            str(entry.position),
            entry.time.strftime("%Y-%m-%d %H:%M:%S"),
            entry.event,
            entry.body or "",
            (entry.object_hash or "")[:16],
            "; ".join(entry.reasons),
        )
    out.print(table)


@receipt_app.command("verify")
@clean_errors
def verify_receipt_command(
    receipt: Annotated[Path, typer.Argument(metavar="RECEIPT", help="the receipt file")],
    key: Annotated[str, typer.Option("--key", metavar="PUBKEY", help="the scrutineer's public key: base64, or a file holding it")],
    store: Annotated[
        str | None,
        typer.Option("--store", metavar="URI", help="also check the receipt's entry is still in this store's ledger"),
    ] = None,
) -> None:
    """Check a receipt's signature and, given the store, that the ledger still holds its entry."""
    try:
        data = receipt.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(receipt)) from None
    try:  # another file given for the receipt (the return, the sealed file) is named once, not field by field
        shape = json.loads(data)
    except ValueError:
        shape = None
    if not isinstance(shape, dict) or "receipt" not in shape:
        raise CollegeError("not a receipt (no 'receipt' field): receipts are receipts/<sha256>.json in the store",
                           file=str(receipt))
    problems = verify_receipt(data, _public_key(key), _ledger(store) if store else None)
    if problems:
        _problems(problems)
    signed = read_receipt(data).receipt
    anchored = " and its ledger entry is in place" if store else ""
    out.print(
        f"the receipt verifies{anchored}: {signed.outcome}, {signed.received.sha256[:16]} "
        f"({signed.received.size} bytes) received {signed.received_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"ledger position {signed.ledger.position}",
        highlight=False,
        soft_wrap=True,
    )
