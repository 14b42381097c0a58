"""`college decision`: the Procedures Committee's decisions, proposed, signed by its members, recorded.

A decision is a file: one command writes it (`admit`, `proceed`, `tie`, `amend`), each
member who takes it adds their signature (`sign`), and the party's scrutineer records it
(`record`) once a quorum has signed: the ledger names it, the store keeps it, and a
signed receipt is written next to it for the committee. Everything printed is procedure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from college.anchor import check_contest
from college.cli.application import StoreOption, app, clean_errors, out, passphrase
from college.contest import Contest, load_contest
from college.decisions import (
    SignedDecision,
    decision_bytes,
    decision_subject,
    propose,
    read_decision,
    record_decision,
    sign_ed25519,
    signers,
    verify_decision,
)
from college.errors import CollegeError
from college.ingest import receipt_key
from college.ledger import Ledger
from college.preconditions import check_receipt_key
from college.signing import digest, read_private_key
from college.store import store_from

decision_app = typer.Typer(help="The Procedures Committee's signed decisions.", no_args_is_help=True)
app.add_typer(decision_app, name="decision")

ContestArgument = Annotated[Path, typer.Argument(metavar="CONTEST.toml", help="the contest file")]
OutOption = Annotated[Path, typer.Option("--out", help="the decision file to write (JSON); never overwritten")]


def _ledger(contest: Contest, store: str | None) -> Ledger:
    return Ledger(store_from(store or None, default=contest.store))


def _write(path: Path, signed: SignedDecision, *, new: bool) -> None:
    """A decision file, written whole: a new one never replaces a file; a signature is added in place."""
    data = decision_bytes(signed) + b"\n"
    if new:
        try:
            with path.open("xb") as handle:
                handle.write(data)
        except FileExistsError:
            raise CollegeError("already exists: never overwritten", file=str(path)) from None
        return
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _propose(contest_file: Path, store: str | None, kind: str, out_file: Path, **given: str) -> None:
    contest = load_contest(contest_file)
    ledger = _ledger(contest, store)
    signed = propose(contest, kind, decision_subject(kind, contest, ledger, **given), ledger)
    _write(out_file, signed, new=True)
    subject = ", ".join(f"{k} {v}" for k, v in signed.decision.subject.items())
    quorum = contest.committee.quorum if contest.committee else "?"
    out.print(f"decision to {kind} ({subject}) written to {out_file}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"next: {quorum} members sign it (college decision sign {out_file} --member ID --signing-key ID.signing.key)",
              markup=False, highlight=False, soft_wrap=True)


@decision_app.command("admit")
@clean_errors
def admit(
    contest_file: ContestArgument,
    sha256: Annotated[str, typer.Argument(metavar="SHA256", help="the late or flagged return (college status lists them)")],
    out_file: OutOption,
    store: StoreOption = None,
) -> None:
    """Propose admitting a late or flagged return: once recorded, it counts."""
    _propose(contest_file, store, "admit", out_file, submission=sha256.lower())


@decision_app.command("proceed")
@clean_errors
def proceed(contest_file: ContestArgument, out_file: OutOption, store: StoreOption = None) -> None:
    """Propose counting without the bodies whose returns are missing."""
    _propose(contest_file, store, "proceed", out_file)


@decision_app.command("tie")
@clean_errors
def tie(
    contest_file: ContestArgument,
    eliminate: Annotated[str, typer.Option("--eliminate", help="the tied candidate the committee eliminates")],
    out_file: OutOption,
    store: StoreOption = None,
) -> None:
    """Propose the decision on the tie referred to the committee."""
    _propose(contest_file, store, "tie", out_file, eliminate=eliminate)


@decision_app.command("amend")
@clean_errors
def amend(
    amended_file: Annotated[Path, typer.Argument(metavar="AMENDED.toml", help="the contest file as amended")],
    reason: Annotated[str, typer.Option("--reason", help="what changes and why, for the record")],
    out_file: OutOption,
    store: StoreOption = None,
) -> None:
    """Propose amending the contest file (a deadline extension, say): from the one anchored in the ledger to this one."""
    contest = load_contest(amended_file)
    ledger = _ledger(contest, store)
    subject = decision_subject("amend", contest, ledger, to=digest(amended_file.read_bytes()), reason=reason)
    if subject["from"] == subject["to"]:
        raise CollegeError("the file is the one anchored now: there is nothing to amend", file=str(amended_file))
    _write(out_file, propose(contest, "amend", subject, ledger), new=True)
    out.print(f"decision to amend the contest file ({reason}) written to {out_file}", markup=False, highlight=False, soft_wrap=True)


@decision_app.command("sign")
@clean_errors
def sign(
    decision_file: Annotated[Path, typer.Argument(metavar="DECISION.json")],
    contest_file: Annotated[Path, typer.Option("--contest", help="the contest file naming the committee")],
    member: Annotated[str, typer.Option("--member", help="your id on the committee")],
    signing_key: Annotated[Path, typer.Option("--signing-key", help="your ID.signing.key file")],
) -> None:
    """Add your signature to a decision you took (passphrase from COLLEGE_KEY_PASSPHRASE or a prompt)."""
    contest = load_contest(contest_file)
    signed = _read(decision_file)
    if contest.committee is None:
        raise CollegeError("the contest names no committee", file=str(contest_file), field="committee")
    key = read_private_key(signing_key, passphrase())
    if not isinstance(key, Ed25519PrivateKey):
        raise CollegeError("not a signing (Ed25519) key", file=str(signing_key))
    signed = sign_ed25519(signed, contest.committee.member(member), key)
    _write(decision_file, signed, new=False)
    problems = verify_decision(signed, contest)
    waiting = f"; still needed: {problems[-1].split(': ', 1)[1]}" if problems else "; the quorum has signed: record it"
    out.print(f"signed by {member}{waiting}", markup=False, highlight=False, soft_wrap=True)


@decision_app.command("record")
@clean_errors
def record(contest_file: ContestArgument, decision_file: Annotated[Path, typer.Argument(metavar="DECISION.json")],
           store: StoreOption = None) -> None:
    """Record a decision a quorum has signed: in the ledger, the store and a signed receipt (the party's scrutineer,
    whose key comes from COLLEGE_RECEIPT_KEY or its Prefect Secret block)."""
    from flows.secrets import receipt_key as scrutineer_key

    data = _file_bytes(contest_file)
    contest = load_contest(contest_file)
    signed = _read(decision_file)
    key = scrutineer_key()
    ledger = Ledger(store_from(store or None, default=contest.store), signer=key)
    check_receipt_key(ledger, key, None)
    if signed.decision.kind != "amend":
        check_contest(ledger, contest, data, str(contest_file))
    entry = record_decision(ledger, contest, data, signed, key)
    sha = digest(decision_bytes(signed))
    out.print(f"recorded: {'; '.join(entry.reasons)} (ledger position {entry.position}); signed by "
              f"{', '.join(signers(signed, contest))}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"receipt {ledger.store.uri}/{receipt_key(sha)}", markup=False, highlight=False, soft_wrap=True)
    if signed.decision.kind == "tie":
        _resume(ledger, entry)


def _resume(ledger: Ledger, entry) -> None:
    """A count paused on this tie picks the recorded decision up; else the next `college tally` does."""
    from college.procedure import ReferredTie
    from flows.count import resume_paused_count

    referred = ledger.find(f"referred:{entry.ids['round']}")
    tie = ReferredTie(int(entry.ids["round"]), tuple(referred.ids["tied"].split(" | ")), referred.ids.get("flow-run"))
    if resume_paused_count(tie, entry.ids["decision"]):
        out.print(f"round {tie.round}: the paused count resumes with the decision")
    else:
        out.print(f"round {tie.round}: run `college tally` again to resume the count")


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None


def _read(path: Path) -> SignedDecision:
    return read_decision(_file_bytes(path), file=str(path))
