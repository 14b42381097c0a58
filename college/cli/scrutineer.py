"""A scrutineer's commands: `college keygen` and `college return build|check|seal|verify`.

A typical run is three commands: build the return from the ballot data, check it against
the contest file, seal it. Private keys live in passphrase-protected files; the passphrase
comes from COLLEGE_KEY_PASSPHRASE or a hidden prompt, never from the command line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from college.cli.application import app, clean_errors, err, out, passphrase
from college.contest import Contest, load_contest
from college.errors import CollegeError
from college.profile import Profile, read_profile
from college.returns import (
    Problem,
    Return,
    check_envelope,
    check_return,
    check_submission,
    make_return,
    read_ballots_by,
    read_envelope,
    read_return,
    return_json,
    seal_return,
)
from college.signing import digest, key_id, public_text, read_private_key, write_private_key

return_app = typer.Typer(help="A returning body's return: build, check, seal and verify it.", no_args_is_help=True)
app.add_typer(return_app, name="return")

ContestArgument = Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file")]


def _write_new(path: Path, data: bytes) -> None:
    try:
        with path.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise CollegeError("already exists: choose another name, nothing was overwritten", file=str(path)) from None


@app.command()
@clean_errors
def keygen(
    key_file: Annotated[Path, typer.Argument(metavar="KEYFILE", help="where to write the private key (never overwritten)")],
    count: Annotated[
        bool, typer.Option("--count", help="the count's X25519 key (the party's scrutineer), not a signing key")
    ] = False,
) -> None:
    """Make a key pair: a scrutineer's signing key, or with --count the key returns are sealed to.

    The passphrase comes from COLLEGE_KEY_PASSPHRASE or a prompt.

    Standard output is the contest file's line for the public key (`> body.toml`); the notes go to the terminal."""
    key = X25519PrivateKey.generate() if count else Ed25519PrivateKey.generate()
    write_private_key(key_file, key, passphrase(confirm=True))
    field = "count_public_key" if count else "public_key"
    err.print(f"private key: {key_file} (keep it and its passphrase to yourself); key id {key_id(key)}", markup=False)
    typer.echo(f'{field} = "{public_text(key)}"')


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err.console,
        transient=True,
    )


def _data_files(values: list[str]) -> list[tuple[str | None, Path]]:
    """PATH, or KEY=PATH where KEY is the breakdown (a CLP, or the voter for the PLP/EPLP)."""
    files = []
    for value in values:
        key, sep, path = value.partition("=")
        if sep and key and path and not Path(value).exists():
            files.append((key.strip(), Path(path)))
        else:
            files.append((None, Path(value)))
    return files


def _read_data(
    files: list[tuple[str | None, Path]], contest: Contest, column: str | None
) -> dict[str | None, Profile]:
    groups: dict[str | None, Profile] = {}
    with _progress() as progress:
        task = progress.add_task("reading ballot data", total=len(files))
        for key, path in files:
            progress.update(task, description=f"reading {path.name}")
            if column is None:
                found = {key: read_profile(path, contest)}
            else:
                found = read_ballots_by(path, contest, column)
            for group, profile in found.items():
                groups[group] = groups.get(group, Profile()) + profile
            progress.advance(task)
    return groups


def _summary(ret: Return) -> Table:
    table = Table(title=f"return of {ret.affiliate} ({ret.section})", show_header=False)
    for label, value in [
        ("certified members", ret.certified_members),
        ("papers issued", ret.papers_issued),
        ("papers returned", ret.papers_returned),
        ("ineligible (no declaration)", "not applicable" if ret.ineligible is None else ret.ineligible),
        ("spoilt", ret.spoilt),
        ("other invalid", ret.other_invalid),
        ("valid", ret.valid),
        ("distinct rankings", len(ret.profile)),
    ]:
        table.add_row(label, f"{value:,}" if isinstance(value, int) else value)
    return table


def _show(problems: list[Problem]) -> bool:
    """Print the problems; True when none is an error."""
    if not problems:
        out.print("no problems found")
        return True
    for problem in problems:
        out.print(f"{problem.severity}: {problem.field}: {problem.message} [{problem.rule}]", markup=False, soft_wrap=True)
    return not any(p.severity == "error" for p in problems)


@return_app.command()
@clean_errors
def build(
    contest_file: ContestArgument,
    affiliate: Annotated[str, typer.Option("--affiliate", help="your body's id in the contest's register")],
    data: Annotated[
        list[str],
        typer.Option(
            "--data",
            metavar="[KEY=]PATH",
            help="ballot data: ballot-level CSV or Parquet (rank1..rankN, optional count) or a profile JSON; "
            "repeat for several files; KEY= labels a file's papers (the CLP, or the PLP voter) for the reports",
        ),
    ],
    issued: Annotated[int, typer.Option("--issued", help="papers issued")],
    returned: Annotated[int, typer.Option("--returned", help="papers returned")],
    spoilt: Annotated[
        int, typer.Option("--spoilt", help="spoilt papers set aside before the data was made (void papers in the data are added)")
    ] = 0,
    other_invalid: Annotated[int, typer.Option("--other-invalid", help="other invalid papers")] = 0,
    breakdown_column: Annotated[
        str | None,
        typer.Option("--breakdown-column", help="a column of the CSV or Parquet holding each paper's CLP or voter"),
    ] = None,
    ineligible: Annotated[
        int | None, typer.Option("--ineligible", help="papers returned without the declaration of support, where the paper has one")
    ] = None,
    explanation: Annotated[
        str | None, typer.Option("--explanation", help="why papers issued differ from the certified count")
    ] = None,
    out_file: Annotated[Path, typer.Option("--out", help="the return file to write (JSON, not yet signed)")] = Path(
        "return.json"
    ),
) -> None:
    """Build your return from the ballot data and the paper counts."""
    contest = load_contest(contest_file)
    groups = _read_data(_data_files(data), contest, breakdown_column)
    ret = make_return(
        contest,
        affiliate,
        groups,
        papers_issued=issued,
        papers_returned=returned,
        spoilt=spoilt,
        other_invalid=other_invalid,
        ineligible=ineligible,
        explanation=explanation,
    )
    _write_new(out_file, return_json(ret))
    out.print(_summary(ret))
    void = ret.spoilt - spoilt
    if void:
        out.print(f"{void:,} papers in the data have no valid first preference: counted as spoilt", markup=False)
    out.print(f"written: {out_file}; next: college return check {contest_file} {out_file}", markup=False, soft_wrap=True)


def _clear_return(path: Path) -> Return:
    """The unsealed return; a sealed file given in its place is named as such (its fields are not a return's)."""
    try:
        return read_return(path)
    except CollegeError as error:
        try:
            read_envelope(path.read_bytes())
        except (CollegeError, OSError):
            raise error from None
    raise CollegeError("is a sealed return, not the unsealed RETURN.json: `college return verify` checks a sealed file",
                       file=str(path))


@return_app.command()
@clean_errors
def check(contest_file: ContestArgument, return_file: Annotated[Path, typer.Argument(metavar="RETURN.json")]) -> None:
    """Check an unsealed return against the contest file: every problem at once."""
    contest = load_contest(contest_file)
    ret = _clear_return(return_file)
    out.print(_summary(ret))
    if not _show(check_return(ret, contest)):
        raise typer.Exit(1)


def _signing_key(path: Path, contest: Contest, affiliate: str) -> Ed25519PrivateKey:
    key = read_private_key(path, passphrase())
    if not isinstance(key, Ed25519PrivateKey):
        raise CollegeError("not a signing (Ed25519) key", file=str(path))
    body = contest.body(affiliate)
    if body is not None and public_text(key) != body.public_key:
        raise CollegeError(f"this key is not the one registered for {affiliate!r}", file=str(path))
    return key


@return_app.command()
@clean_errors
def seal(
    contest_file: ContestArgument,
    return_file: Annotated[Path, typer.Argument(metavar="RETURN.json")],
    key: Annotated[Path, typer.Option("--key", help="your private signing key file")],
    out_file: Annotated[Path | None, typer.Option("--out", help="the sealed file (default: RETURN.sealed)")] = None,
) -> None:
    """Sign the return with your registered key and seal it to the count's key."""
    contest = load_contest(contest_file)
    ret = _clear_return(return_file)
    problems = check_return(ret, contest)
    if not _show(problems):
        raise CollegeError("the return has problems: fix them before sealing", file=str(return_file))
    if contest.count_public_key is None:
        raise CollegeError("the contest file names no count_public_key to seal to", file=str(contest_file))
    signing_key = _signing_key(key, contest, ret.affiliate)
    with _progress() as progress:
        task = progress.add_task("signing and sealing", total=None)
        sealed = seal_return(ret, signing_key, contest.count_public_key)
        progress.update(task, completed=1, total=1)
    _, problems = check_envelope(sealed, contest)
    if problems:  # only if the register changed under us; never send such a file
        raise CollegeError(problems[0].message, field=problems[0].field)
    out_file = out_file or return_file.with_suffix(".sealed")
    _write_new(out_file, sealed)
    out.print(f"sealed: {out_file}", markup=False, soft_wrap=True)
    out.print(f"sha256: {digest(sealed)} (the receipt will name this hash)", markup=False, soft_wrap=True)


@return_app.command()
@clean_errors
def verify(
    contest_file: ContestArgument,
    sealed_file: Annotated[Path, typer.Argument(metavar="RETURN.sealed")],
    count_key: Annotated[
        Path | None,
        typer.Option("--count-key", help="the count's private key: also open and validate (the party's scrutineer)"),
    ] = None,
) -> None:
    """Verify a sealed file's envelope: contest, registered body and key, signature. No figure is shown."""
    contest = load_contest(contest_file)
    try:
        data = sealed_file.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(sealed_file)) from None
    if count_key is None:
        found, problems = check_envelope(data, contest)
    else:
        key = read_private_key(count_key, passphrase())
        if not isinstance(key, X25519PrivateKey):
            raise CollegeError("not the count's (X25519) key", file=str(count_key))
        verdict = check_submission(data, contest, key, datetime.now(UTC))
        found, problems = verdict.envelope, verdict.problems + verdict.flags
    if found is None and problems:  # not an envelope at all: one line naming the file (a clear return, often)
        first = problems[0]
        raise CollegeError(f"not a sealed return: {first.message.removeprefix('submission: ')} [{first.rule}] (an "
                           "unsealed return is sealed with `college return seal`)", file=str(sealed_file),
                           field=first.field)
    if found is not None:
        out.print(
            f"{found.affiliate} for {found.contest}, key {found.key_id}, sha256 {digest(data)}", markup=False, soft_wrap=True
        )
    if not _show(problems):
        raise typer.Exit(1)
    out.print("the envelope verifies" if count_key is None else "the return opens, verifies and passes every rule")
