"""The recount kit: a bundle anyone can count again and compare, round by round.

The bundle holds the contest file, every section's aggregated preference profile
(one person one vote, as counted), the committee's tie decisions, the declared result,
and a manifest with the SHA-256 of each file. `verify_bundle` counts the profiles
again from scratch with the same engine and compares every figure of every round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from college import strict_json
from college.contest import load_contest
from college.count.rules import count
from college.declaration import Declaration, result_digest
from college.errors import CollegeError, from_validation_error
from college.model import Model
from college.profile import read_profile
from college.count.result import Result, Round, TieDecision
from college.signing import digest

MANIFEST = "manifest.json"
CONTEST = "contest.toml"
RESULT = "result.json"
TIE_DECISIONS = "tie-decisions.json"


class BundleFile(Model):
    path: str
    sha256: str
    size: int


class Manifest(Model):
    format: Literal["college-recount-bundle/1"] = "college-recount-bundle/1"
    contest: str
    dry_run: bool
    watermark: Literal["DRY RUN"] | None
    declared_at: datetime
    result_digest: str
    sealed_result_digest: str
    ledger_head: str
    sections: dict[str, str]
    files: list[BundleFile]


def _write(folder: Path, relative: str, data: bytes) -> BundleFile:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return BundleFile(path=relative, sha256=digest(data), size=len(data))


def _json_bytes(value) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def write_bundle(declaration: Declaration, folder: str | Path) -> Path:
    """Write the recount bundle of a declaration; returns the manifest's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [_write(folder, CONTEST, declaration.contest_file.encode("utf-8"))]
    sections = {}
    for section_id, profile in declaration.profiles.items():
        sections[section_id] = f"profiles/{section_id}.json"
        files.append(_write(folder, sections[section_id], _json_bytes(profile.model_dump(mode="json"))))
    decisions = [d.model_dump(mode="json") for d in declaration.procedure.tie_decisions]
    files.append(_write(folder, TIE_DECISIONS, _json_bytes(decisions)))
    files.append(_write(folder, RESULT, _json_bytes(declaration.result.model_dump(mode="json"))))
    manifest = Manifest(
        contest=declaration.contest_id,
        dry_run=declaration.dry_run,
        watermark="DRY RUN" if declaration.dry_run else None,
        declared_at=declaration.declared_at,
        result_digest=declaration.result_digest,
        sealed_result_digest=declaration.sealed_result_digest,
        ledger_head=declaration.ledger_head,
        sections=sections,
        files=files,
    )
    path = folder / MANIFEST
    path.write_bytes(_json_bytes(manifest.model_dump(mode="json")))
    return path


# --- verifying ------------------------------------------------------------------------------


@dataclass
class RoundCheck:
    number: int
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


@dataclass
class Verification:
    manifest: Manifest
    files: list[str]  # problems with the files against the manifest
    rounds: list[RoundCheck]
    outcome: list[str]  # differences in the winner or status

    @property
    def matches(self) -> bool:
        return not self.files and not self.outcome and all(r.matches for r in self.rounds)


def _read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise CollegeError("not a recount bundle: no manifest.json", file=str(folder))
    return strict_json.parse(Manifest, path.read_bytes(), file=str(path))


def _check_files(folder: Path, manifest: Manifest) -> list[str]:
    problems = []
    for entry in manifest.files:
        path = folder / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: missing from the bundle")
        elif digest(path.read_bytes()) != entry.sha256:
            problems.append(f"{entry.path}: its SHA-256 does not match the manifest (the file was changed)")
    return problems


def _compare_round(declared: Round, recounted: Round) -> list[str]:
    n = declared.number
    differences = []

    def differ(where: str, what: str, a, b) -> None:
        if a != b:
            shown = (lambda v: f"{v:,}") if isinstance(a, int) and isinstance(b, int) else str
            differences.append(f"round {n}{where}: {what}: declared {shown(a)}, recounted {shown(b)}")

    differ("", "continuing candidates", ", ".join(declared.continuing), ", ".join(recounted.continuing))
    recounted_sections = {s.id: s for s in recounted.sections}
    for section in declared.sections:
        other = recounted_sections.get(section.id)
        where = f", section {section.id} ({section.name})"
        if other is None:
            differences.append(f"round {n}{where}: not in the recount")
            continue
        for name in dict.fromkeys([*section.votes, *other.votes]):
            differ(where, f"votes for {name}", section.votes.get(name), other.votes.get(name))
        differ(where, "non-transferable papers", section.non_transferable, other.non_transferable)
        differ(where, "valid votes", section.valid, other.valid)
        for name, share in section.shares.items():
            differ(where, f"share of {name}", share.exact, other.shares[name].exact if name in other.shares else None)
    for name, share in declared.college.items():
        differ("", f"college share of {name}", share.exact, recounted.college[name].exact if name in recounted.college else None)
    differ("", "elected", declared.elected, recounted.elected)
    differ("", "eliminated", ", ".join(declared.eliminated), ", ".join(recounted.eliminated))
    differ("", "tie-break", declared.tie_break, recounted.tie_break)
    return differences


def compare(declared: Result, recounted: Result) -> tuple[list[RoundCheck], list[str]]:
    """Round by round, every figure of the declared result against the recount."""
    checks = []
    for index in range(max(len(declared.rounds), len(recounted.rounds))):
        number = index + 1
        if index >= len(recounted.rounds):
            checks.append(RoundCheck(number, [f"round {number}: declared, but the recount ended before it"]))
        elif index >= len(declared.rounds):
            checks.append(RoundCheck(number, [f"round {number}: in the recount, but not in the declared result"]))
        else:
            checks.append(RoundCheck(number, _compare_round(declared.rounds[index], recounted.rounds[index])))
    outcome = []
    for what in ("status", "winner"):
        a, b = getattr(declared, what), getattr(recounted, what)
        if a != b:
            outcome.append(f"{what}: declared {a}, recounted {b}")
    return checks, outcome


def verify_bundle(folder: str | Path) -> Verification:
    """Count the bundle's profiles again from scratch and compare with its declared result."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    files = _check_files(folder, manifest)
    contest = load_contest(folder / CONTEST)
    if contest.id != manifest.contest:
        raise CollegeError(f"the contest file is for {contest.id!r}, the manifest for {manifest.contest!r}", file=CONTEST)
    profiles = {sid: read_profile(folder / path, contest) for sid, path in manifest.sections.items()}
    decisions_path = folder / TIE_DECISIONS
    try:
        decisions_data = decisions_path.read_bytes()
        strict_json.refuse_duplicates(decisions_data, file=str(decisions_path), known=strict_json.model_fields(TieDecision))
        decisions = TypeAdapter(list[TieDecision]).validate_json(decisions_data)
        declared = strict_json.parse(Result, (folder / RESULT).read_bytes(), file=str(folder / RESULT))
    except FileNotFoundError as error:
        raise CollegeError("missing from the bundle", file=str(error.filename)) from None
    except ValidationError as error:
        raise from_validation_error(error, file=str(folder)) from None
    if result_digest(declared) != manifest.result_digest:
        files.append(f"{RESULT}: not the result the declaration holds (its digest differs from the manifest's)")
    rounds, outcome = compare(declared, count(contest, profiles, decisions))
    return Verification(manifest=manifest, files=files, rounds=rounds, outcome=outcome)
