"""`college committee` and `college ceremony`: the members' keys, the key ceremony, the quorum's contributions."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.anchor import anchored_contest
from college.ceremony import (
    DECLARE,
    MemberKeys,
    add_declaration_key,
    check_contributions,
    contribute,
    declaration_key_line,
    key_ceremony,
    load_ceremony,
    load_contribution,
    contribution_key,
    open_share,
    open_declaration_key,
    seal_contribution,
)
from college.ledger import Ledger
from college.preconditions import require_store, sealed_result, set_up_store, store_is_set_up
from college.store import store_from
from college.cli.application import StoreOption, app, clean_errors, err, out, passphrase
from college.contest import load_contest
from college.errors import CollegeError
from college.model import Model
from college.signing import digest, key_id, read_private_key, write_private_key

committee_app = typer.Typer(help="The Procedures Committee's keys.", no_args_is_help=True)
ceremony_app = typer.Typer(help="The key ceremony and the quorum that opens the result.", no_args_is_help=True)
app.add_typer(committee_app, name="committee")
app.add_typer(ceremony_app, name="ceremony")


@committee_app.command("keygen")
@clean_errors
def keygen(
    member_id: Annotated[str, typer.Option("--id", help="the member's id in the contest file, e.g. nec-chair")],
    name: Annotated[str, typer.Option("--name", help="the member's name")],
    role: Annotated[str, typer.Option("--role", help="their place on the committee (seed 003 item 2)")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="where to write the two private key files (made if missing)")] = Path("."),
) -> None:
    """Make a member's two key pairs (passphrase from COLLEGE_KEY_PASSPHRASE or a prompt); print, on standard
    output, the entry to add to the contest file's committee (`>> contest.toml`)."""
    keys = MemberKeys.generate()
    member = keys.member(member_id, name, role)  # validates id, name and role before anything is written
    signing_path, share_path = out_dir / f"{member_id}.signing.key", out_dir / f"{member_id}.share.key"
    secret = passphrase(confirm=True)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private_key(signing_path, keys.signing, secret)
    write_private_key(share_path, keys.share, secret)
    err.print(f"private keys (keep them, and the passphrase, to yourself): {signing_path} and {share_path}", markup=False)
    lines = ["", "[[committee.members]]"]
    # A JSON string is a valid TOML basic string.
    lines += [f"{field} = {json.dumps(getattr(member, field), ensure_ascii=False)}" for field in ("id", "name", "role", "signing_key", "share_key")]
    typer.echo("\n".join(lines))


@committee_app.command("enrol")
@clean_errors
def enrol(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file, with its committee")],
    member_id: Annotated[str, typer.Option("--member", help="your id on the committee, e.g. nec-chair")],
    key: Annotated[Path, typer.Option("--key", help="your signing key file from `college committee keygen`")],
    passkey: Annotated[str, typer.Option("--passkey", help="the fingerprint the service's enrolment page shows for your new passkey")],
) -> None:
    """Bind your new passkey to yourself for the count's web service: your signed statement (valid 15 minutes;
    the key's passphrase from COLLEGE_KEY_PASSPHRASE or a prompt)."""
    import secrets

    from college.enrolment import enrolment_token

    contest = load_contest(contest_file)
    signing_key = _key(key, passphrase(), Ed25519PrivateKey)
    token = enrolment_token(contest, member_id, signing_key, datetime.now(UTC), secrets.token_hex(16), passkey)
    out.print("# paste this statement into the service's page within 15 minutes:", markup=False)
    typer.echo(token)


@ceremony_app.command("run")
@clean_errors
def run(
    contest_file: Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file, with its committee")],
    out_file: Annotated[Path, typer.Option("--out", help="where to write the ceremony record (JSON); never overwritten")],
    conducted_by: Annotated[str | None, typer.Option("--by", help="who runs the ceremony, for the record")] = None,
    write_contest: Annotated[
        bool, typer.Option("--write-contest/--print-only", help="add the declaration key to the contest file, or print the line")
    ] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="mark the record DRY RUN; the key line is printed, never written into the contest file")
    ] = False,
) -> None:
    """Hold the key ceremony: make the declaration key and seal each member's share of it to them."""
    contest = load_contest(contest_file)
    if contest.committee is None:
        raise CollegeError(
            "the contest names no committee: add [committee] with its quorum and one [[committee.members]] "
            "per member (`college committee keygen` prints each)",
            file=str(contest_file),
            field="committee",
        )
    uri = os.environ.get("COLLEGE_STORE") or contest.store
    store = store_from(uri) if uri and not dry_run else None
    if store is not None and store_is_set_up(store):
        require_store(store, contest.id)  # another contest's store: refused before anything is made
    ceremony = key_ceremony(contest, contest.committee, datetime.now(UTC), conducted_by=conducted_by, dry_run=dry_run)
    _write_new(out_file, ceremony, private=False)  # the record is public
    line = declaration_key_line(ceremony.declaration_public_key)
    updated = add_declaration_key(contest_file.read_text(encoding="utf-8"), ceremony.declaration_public_key)
    if write_contest and not dry_run and updated is not None:  # a rehearsal's key never goes into a contest file
        temporary = contest_file.with_name(contest_file.name + ".new")
        temporary.write_text(updated, encoding="utf-8")
        os.replace(temporary, contest_file)  # the file is whole before and after, never half written
        where = f"written into {contest_file}"
    else:
        where = f"add this line to {contest_file}, above its first [table]:\n{line}"
    committee = ceremony.committee
    banner = "DRY RUN " if dry_run else ""
    out.print(f"{banner}key ceremony for {ceremony.contest} at {ceremony.held_at.isoformat()}: record {out_file}", markup=False, soft_wrap=True)
    out.print(f"quorum {committee.quorum} of {len(committee.members)}; declaration key {key_id(ceremony.declaration_public_key)}", markup=False, soft_wrap=True)
    for share in ceremony.shares:
        member = committee.member(share.member)
        out.print(f"  share {share.index} sealed to {member.name} ({member.id}), {member.role}: sha256 {share.share_hash}", markup=False, soft_wrap=True)
    out.print(f"declaration public key {where}", markup=False, soft_wrap=True)
    if store is not None:  # the ceremony sets the count's store up, as `college store init` does
        set_up_store(store, contest.id, datetime.now(UTC))
        out.print(f"store {store.uri} set up for {contest.id}", markup=False, soft_wrap=True)


@ceremony_app.command("contribute")
@clean_errors
def contribute_command(
    ceremony_file: Annotated[Path, typer.Argument(metavar="CEREMONY.json", help="the ceremony record")],
    member: Annotated[str, typer.Option("--member", help="your id on the committee")],
    signing_key: Annotated[Path, typer.Option("--signing-key", help="your ID.signing.key file")],
    share_key: Annotated[Path, typer.Option("--share-key", help="your ID.share.key file")],
    out_file: Annotated[Path, typer.Option("--out", help="where to write your contribution (JSON); never overwritten")],
    result: Annotated[Path | None, typer.Option("--result", help="the sealed result you authorise opening")] = None,
    result_hash: Annotated[
        str | None, typer.Option("--result-hash", help="or its SHA-256 (default: the sealed result the store's ledger names)")
    ] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="what you authorise")] = DECLARE,
    store: StoreOption = None,
    to_store: Annotated[
        bool, typer.Option("--to-store", help="also put it into the store, sealed to the count key, for the declare deployment")
    ] = False,
) -> None:
    """Open your share of the declaration key and sign your contribution to opening the sealed result the
    store holds (the hash is checked against it at once). The passphrase comes from COLLEGE_KEY_PASSPHRASE
    or a prompt."""
    ceremony = load_ceremony(ceremony_file)
    bound = _result_hash(result, result_hash)
    where, anchored = None, None
    if purpose == DECLARE:
        if not store:
            raise CollegeError("give --store (or COLLEGE_STORE): the sealed result is checked against the store", field="--store")
        where = store_from(store)
        ledger = Ledger(where)
        counted = sealed_result(ledger.entries(), where)
        anchored = anchored_contest(ledger)
        if bound is not None and bound != counted:
            raise CollegeError(f"is not the sealed result the count recorded ({counted[:16]}...): a typo?", field="--result-hash")
        bound = counted
    secret = passphrase()
    share = open_share(ceremony, member, _key(share_key, secret, X25519PrivateKey))
    contribution = contribute(
        ceremony, member, share, _key(signing_key, secret, Ed25519PrivateKey), datetime.now(UTC), purpose=purpose, result_hash=bound
    )
    _write_new(out_file, contribution)
    who = ceremony.committee.member(member)
    out.print(f"contribution of {who.name} ({who.id}) to open {bound[:16] if bound else 'the result'}... written to {out_file}",
              markup=False, soft_wrap=True)
    if to_store and where is not None:
        if anchored is None:
            raise CollegeError("the store holds no anchored contest file, so no count key to seal to", file=where.uri)
        where.put(contribution_key(bound, member), seal_contribution(out_file.read_bytes(), anchored[0]))
        out.print(f"and put into {where.uri} for the declaration, sealed to the count key", markup=False, soft_wrap=True)
    out.print("it holds your share: hand it only to the declaration, never publish it", markup=False, soft_wrap=True)


@ceremony_app.command("check")
@clean_errors
def check(
    ceremony_file: Annotated[Path, typer.Argument(metavar="CEREMONY.json", help="the ceremony record")],
    contributions: Annotated[list[Path], typer.Argument(metavar="CONTRIBUTION.json...", help="contributions to check")],
    result: Annotated[Path | None, typer.Option("--result", help="the sealed result they must authorise")] = None,
    result_hash: Annotated[str | None, typer.Option("--result-hash", help="or its SHA-256")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="what they must authorise")] = DECLARE,
) -> None:
    """Check contributions against the ceremony record: signature, share hash, purpose; and whether they make a quorum."""
    ceremony = load_ceremony(ceremony_file)
    loaded = [load_contribution(path) for path in contributions]
    good, problems = check_contributions(ceremony, loaded, purpose=purpose, result_hash=_result_hash(result, result_hash))
    committee = ceremony.committee
    for contribution in good:
        member = committee.member(contribution.statement.member)
        out.print(f"ok: {member.name} ({member.id}), signed {contribution.statement.made_at.isoformat()}", markup=False, soft_wrap=True)
    for problem in problems:
        out.print(f"BAD: {problem}", markup=False, soft_wrap=True)
    k, n = committee.quorum, len(committee.members)
    if len(good) >= k:
        open_declaration_key(ceremony, good, purpose=purpose, result_hash=_result_hash(result, result_hash))
        out.print(f"{len(good)} good contributions: the quorum of {k} of {n} is met and the declaration key opens", markup=False, soft_wrap=True)
    else:
        out.print(f"{len(good)} good contributions of the {k} of {n} needed: {k - len(good)} more needed", markup=False, soft_wrap=True)
    if problems:
        raise typer.Exit(2)


def _result_hash(result: Path | None, result_hash: str | None) -> str | None:
    if result is not None and result_hash is not None:
        raise CollegeError("give --result or --result-hash, not both", field="--result")
    if result is None:
        return result_hash
    try:
        return digest(result.read_bytes())
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(result)) from None


def _key(path: Path, passphrase: str, kind: type):
    key = read_private_key(path, passphrase)
    if not isinstance(key, kind):
        raise CollegeError(f"not the right kind of key ({kind.__name__.removesuffix('PrivateKey')} needed)", file=str(path))
    return key


def _write_new(path: Path, model: Model, *, private: bool = True) -> None:
    """Write a JSON file, never replacing one; a private one (a contribution holds a share) for its owner only."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            path.chmod(0o600 if private else 0o644)
            handle.write(model.model_dump_json(indent=2) + "\n")
    except FileExistsError:
        raise CollegeError("already exists: never overwritten", file=str(path)) from None
