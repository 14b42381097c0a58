"""Returns: what each returning body sends the party's scrutineer, sealed, and whether it is acceptable.

Seed 003 items 11-20 and 30-31: each affiliate ballots its own full members one person
one vote under its independent scrutineer, and sends the party's scrutineer "the actual
votes cast and how the preferences break down", so that preferences can be aggregated
nationally; nobody else may see the figures before the declaration.

A return is a signed document inside a sealed envelope:

- the return: the paper counts and the preference profile (plain rankings of validly
  nominated candidates with their counts), as canonical JSON (RFC 8785);
- signed by the body's registered scrutineer key (Ed25519) under the domain
  `college-return/1`, and the signed return sealed (HPKE) to the count's key, bound
  to the contest and the body;
- the envelope, in clear: format, contest, body, the signing key's id and the sealed
  bytes, signed again (domain `college-return-envelope/1`) so that provenance is checked
  before anything is opened.

`check_submission` is the one decision the pipeline takes on a submitted file; it never
raises on bad input. Every problem names the field and the rule, and its message names
the body and the rule only: messages go into the ledger and receipts while the figures
are under embargo, so none of them ever carries a figure or a name from inside a return.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from pydantic import AwareDatetime, Field, StrictInt, ValidationError

from college import strict_json
from college.ballots import plain_ranking
from college.contest import Contest, Count, ReturningBody
from college.errors import CollegeError, from_validation_error, pydantic_problems
from college.model import Identifier, Model, Name
from college.profile import Profile, combine, csv_delimiter, from_rows, read_profile
from college.signing import (
    canonical,
    digest,
    ed25519_public,
    key_id,
    public_text,
    seal,
    sign,
    unseal,
    verify,
    x25519_public,
)

FORMAT = "college-return/1"  # the return, and the domain its signature is made under
ENVELOPE_FORMAT = "college-return-envelope/1"  # the envelope, and the domain of its signature
MAX_ENVELOPE_BYTES = 64 * 2**20  # a national union's return of distinct rankings is far smaller
DEADLINE_WARNING = timedelta(hours=24)  # the self-check warns this long before the deadline
CLOCK_SKEW = timedelta(minutes=10)  # a return made this much "after" its receipt is a clock, not a forgery


# --- the return ---------------------------------------------------------------------------


class ProfileRow(Model):
    ranking: list[Name] = Field(description="validly nominated candidates, highest preference first, each once")
    count: Annotated[StrictInt, Field(ge=1, lt=2**53)] = Field(description="papers with exactly this ranking")
    breakdown: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="for the reports only, never the count: the CLP (members' section) or the voter (PLP/EPLP)",
    )


class Return(Model):
    """A returning body's return: the paper counts and how the preferences break down."""

    format: Literal["college-return/1"] = Field(description="format and version of the return")
    contest: Identifier
    affiliate: Identifier = Field(description="the returning body's id in the register")
    section: Identifier
    category: Identifier | None = Field(
        default=None, description="the voter category of every paper, in a one-member-one-vote section: as in the register"
    )
    certified_members: Count = Field(description="full members certified to be balloted, as in the register")
    papers_issued: Count
    papers_returned: Count
    ineligible: Count | None = Field(
        description="papers returned without the declaration of support; null where the paper carries none"
    )
    declaration_wording: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None,
        description="SHA-256 of the declaration wording the papers carried, as in the register; "
        "null where the paper carries none (items 11, 16)",
    )
    spoilt: Count
    other_invalid: Count
    valid: Count
    explanation: Annotated[str, Field(min_length=1, max_length=4000)] | None = Field(
        default=None,
        description="why papers issued differ from the certified count: goes to the Procedures Committee",
    )
    profile: list[ProfileRow]
    scrutineer: Name
    made_at: AwareDatetime


class Envelope(Model):
    """What travels in clear: only what is needed to check provenance before opening."""

    format: str = Field(description=f'"{ENVELOPE_FORMAT}"')
    contest: Identifier
    affiliate: Identifier
    key_id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")] = Field(description="id of the signing key")
    ciphertext: str = Field(description="the signed return sealed with HPKE to the count's key, base64")
    signature: str = Field(description="Ed25519 over format, contest, affiliate, key id and the ciphertext's hash")


ENVELOPE_FIELDS = strict_json.model_fields(Envelope)
RETURN_FIELDS = strict_json.model_fields(Return)


class Problem(Model):
    """One thing wrong with a return. `message` names the body and the rule, never a figure."""

    field: str
    rule: str
    message: str
    severity: Literal["error", "flag", "warning"] = Field(
        default="error",
        description="error: not acceptable; flag: acceptable, for the Procedures Committee; warning: self-check advice",
    )


# Every message is one of these fixed texts after the body's name: no figure can slip in.
RULES = {
    "envelope-too-large": "the file is larger than any return can be",
    "envelope-json": "the file is not a return envelope (not JSON)",
    "duplicate-key": "a key is given twice, so two readers could take different values",
    "envelope-schema": "the envelope does not have the envelope's fields",
    "envelope-format": f"the envelope's format is not {ENVELOPE_FORMAT}",
    "envelope-base64": "not valid base64",
    "envelope-signature-length": "the signature must be 64 bytes",
    "contest": "the envelope names another contest",
    "unknown-affiliate": "the envelope names a body that is not in the register",
    "key-id": "the envelope's key is not the key registered for this body",
    "envelope-signature": "the envelope's signature does not verify with the key registered for this body",
    "unsealed": "the return does not open with the count's key for this contest and body",
    "payload-json": "the opened return is not JSON",
    "payload-shape": "the opened return must hold exactly a return and then its signature",
    "return-signature": "the return's signature does not verify with the key registered for this body",
    "return-contest": "the return names another contest",
    "return-affiliate": "the return names another body than its envelope",
    "section": "the section is not the one registered for this body",
    "category": "the voter category is not the one registered for this body",
    "scrutineer": "the scrutineer named is not the one registered for this body",
    "certified-members": "the certified members figure is not the one in the register",
    "returned-arithmetic": "papers returned must equal valid + spoilt + ineligible + other invalid",
    "valid-arithmetic": "valid papers must equal the sum of the profile's counts",
    "returned-exceeds-issued": "more papers are returned than were issued",
    "issued-not-certified": "papers issued must equal the certified membership (all full members, and only "
    "they, get a paper), unless the return explains why",
    "issued-not-certified-explained": "papers issued differ from the certified membership: the explanation "
    "goes to the Procedures Committee",
    "declaration-missing": "the paper carries the declaration of support, so the ineligible figure must be "
    "given (zero is allowed)",
    "declaration-not-required": "the body admits only Labour members (no declaration of support), so no paper "
    "can be ineligible",
    "declaration-wording": "the declaration wording the papers carried is not the one the register records for "
    "this body (items 11, 16)",
    "ranking-empty": "a valid paper must mark at least one preference",
    "ranking-unknown-candidate": "a ranking names someone who is not a validly nominated candidate",
    "ranking-repeated-candidate": "a ranking names a candidate more than once",
    "named-voter": "the section's ballots are published voter by voter: a voter (breakdown) is named on one "
    "paper only, in a row of its own",
    "made-after-receipt": "the return says it was made after it was received",
    "deadline-past": "the returns deadline has passed: the return will be late",
    "deadline-near": "the returns deadline is less than a day away",
    "schema": "the return does not have the return's fields and types",
}
ROWS_REPORTED = 10  # per rule; a return with many bad rows needs the first few to be fixed, not all listed


def _problem(who: str, field: str, rule: str, severity: str = "error", detail: str | None = None) -> Problem:
    text = RULES[rule.split(".")[0]]
    if detail:
        text = f"{text} ({detail})"
    return Problem(field=field, rule=rule, message=f"return from {who}: {text}", severity=severity)


# --- making a return ----------------------------------------------------------------------


def make_return(
    contest: Contest,
    affiliate: str,
    ballots: Profile | Mapping[str | None, Profile],
    *,
    papers_issued: int,
    papers_returned: int,
    spoilt: int,
    other_invalid: int,
    ineligible: int | None = None,
    explanation: str | None = None,
    made_at: datetime | None = None,
) -> Return:
    """A return from a body's ballot data (one profile, or one per breakdown key) and its paper counts.

    `spoilt` is the papers set aside before the data was made; papers in the data with no
    valid first preference (blank, or spoilt at the first preference) are added to it.
    Section, certified count and scrutineer come from the register.
    """
    body = contest.body(affiliate)
    if body is None:
        raise CollegeError(f"{affiliate!r} is not in the contest's register", field="affiliate")
    groups = {None: ballots} if isinstance(ballots, Profile) else dict(ballots)
    counts: dict[tuple[str | None, tuple[str, ...]], int] = {}
    void = 0
    for key, profile in groups.items():
        void += profile.blank
        for ranking, count in profile.rankings.items():
            plain = plain_ranking(ranking, contest)
            if plain:
                counts[(key, plain)] = counts.get((key, plain), 0) + count
            else:
                void += count
    rows = [
        {"ranking": list(plain), "count": count, "breakdown": key}
        for (key, plain), count in sorted(counts.items(), key=lambda item: (item[0][0] or "", -item[1], item[0][1]))
    ]
    data = {
        "format": FORMAT,
        "contest": contest.id,
        "affiliate": body.id,
        "section": body.section,
        "category": body.category,
        "certified_members": body.certified_members,
        "papers_issued": papers_issued,
        "papers_returned": papers_returned,
        "ineligible": ineligible,
        "declaration_wording": agreed.sha256 if (agreed := contest.wording(body)) else None,
        "spoilt": spoilt + void,
        "other_invalid": other_invalid,
        "valid": sum(row["count"] for row in rows),
        "explanation": explanation,
        "profile": rows,
        "scrutineer": body.scrutineer,
        "made_at": made_at or datetime.now(UTC),
    }
    try:
        return Return.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error, file="return") from None


def read_ballots_by(path: str | Path, contest: Contest, column: str) -> dict[str, Profile]:
    """Ballot-level CSV or Parquet with a breakdown column (the CLP, or the PLP/EPLP voter's name):
    one profile per value, each read by `college.profile.read_profile` without that column."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise CollegeError("a breakdown column needs ballot-level CSV or Parquet", file=str(path))
    try:
        frame = (
            pl.read_parquet(path) if path.suffix.lower() == ".parquet"
            else pl.read_csv(path, infer_schema=False, separator=csv_delimiter(path))
        )
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    except Exception as error:  # polars raises several kinds for an unreadable file
        raise CollegeError(f"cannot read the file ({type(error).__name__})", file=str(path)) from None
    if column not in frame.columns:
        raise CollegeError(f"no column {column!r} to break the papers down by", file=str(path), field="header")
    if frame[column].null_count():
        raise CollegeError(f"every paper needs a value in {column!r}", file=str(path), field=column)
    profiles: dict[str, Profile] = {}
    with tempfile.TemporaryDirectory(prefix="college-breakdown-") as folder:
        for index, part in enumerate(frame.partition_by(column, maintain_order=True)):
            key = str(part[column][0])
            piece = Path(folder) / f"{index}.parquet"
            part.drop(column).write_parquet(piece)
            try:
                profiles[key] = read_profile(piece, contest)
            except CollegeError as error:  # name the user's file and the group, not the temporary piece
                raise CollegeError(f"{column} {key!r}: {error.message}", file=str(path), field=error.field) from None
    return profiles


def return_json(ret: Return) -> bytes:
    """The unsealed return file the scrutineer keeps and checks: readable, not canonical."""
    return (json.dumps(ret.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def read_return(path: str | Path) -> Return:
    """An unsealed return file; a problem is one CollegeError naming the file and field."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CollegeError("file not found", file=str(path)) from None
    return strict_json.parse(Return, data, file=str(path))


# --- signing and sealing ------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seal_info(contest: str, affiliate: str) -> bytes:
    """HPKE context: a sealed return opens only for the contest and body it was made for."""
    return canonical({"format": FORMAT, "contest": contest, "affiliate": affiliate})


def _envelope_message(format: str, contest: str, affiliate: str, signer: str, ciphertext: bytes) -> bytes:
    return canonical(
        {"format": format, "contest": contest, "affiliate": affiliate, "key_id": signer, "ciphertext": digest(ciphertext)}
    )


_PAYLOAD_HEAD = b'{"return":'
_PAYLOAD_SIGNATURE = b',"signature":"'


def _split_payload(payload: bytes) -> tuple[bytes, bytes] | None:
    """The signed return's bytes and its signature, or None when the payload is not laid out as signed_payload makes it."""
    if not (payload.startswith(_PAYLOAD_HEAD) and payload.endswith(b'"}')):
        return None
    cut = payload.rfind(_PAYLOAD_SIGNATURE)
    if cut < len(_PAYLOAD_HEAD):
        return None
    try:
        signature = base64.b64decode(payload[cut + len(_PAYLOAD_SIGNATURE) : -2], validate=True)
    except (binascii.Error, ValueError):
        return None
    return payload[len(_PAYLOAD_HEAD) : cut], signature


def signed_payload(document: dict, signing_key: Ed25519PrivateKey) -> bytes:
    """Canonical JSON of {"return": document, "signature": Ed25519 over the document's canonical JSON}."""
    body = canonical(document)
    signature = _b64(sign(signing_key, FORMAT, body))
    # The canonical form of the wrapper, built without canonicalising the document twice
    # ("return" sorts before "signature"; base64 needs no escaping).
    return b'{"return":' + body + b',"signature":"' + signature.encode("ascii") + b'"}'


def envelope(ciphertext: bytes, signing_key: Ed25519PrivateKey, contest: str, affiliate: str) -> bytes:
    """The envelope bytes around sealed bytes, signed by the body's key."""
    signer = key_id(signing_key)
    message = _envelope_message(ENVELOPE_FORMAT, contest, affiliate, signer, ciphertext)
    return canonical(
        {
            "format": ENVELOPE_FORMAT,
            "contest": contest,
            "affiliate": affiliate,
            "key_id": signer,
            "ciphertext": _b64(ciphertext),
            "signature": _b64(sign(signing_key, ENVELOPE_FORMAT, message)),
        }
    )


def seal_payload(
    payload: bytes,
    signing_key: Ed25519PrivateKey,
    count_public_key: str | X25519PublicKey,
    *,
    contest: str,
    affiliate: str,
) -> bytes:
    """Seal payload bytes to the count's key and put them in a signed envelope."""
    recipient = x25519_public(count_public_key, "count_public_key") if isinstance(count_public_key, str) else count_public_key
    return envelope(seal(payload, recipient, seal_info(contest, affiliate)), signing_key, contest, affiliate)


def seal_return(ret: Return, signing_key: Ed25519PrivateKey, count_public_key: str | X25519PublicKey) -> bytes:
    """Sign the return, seal it to the count's key, and wrap it in its signed envelope."""
    payload = signed_payload(ret.model_dump(mode="json"), signing_key)
    return seal_payload(payload, signing_key, count_public_key, contest=ret.contest, affiliate=ret.affiliate)


# --- reading and checking -----------------------------------------------------------------


class EnvelopeError(CollegeError):
    """The bytes are not a well-formed envelope; `rule` names which rule they break."""

    def __init__(self, message: str, *, rule: str, field: str | None = None):
        self.rule = rule
        super().__init__(message, field=field)


def _decode(text: str, field_name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError(RULES["envelope-base64"], rule="envelope-base64", field=field_name) from None


def read_envelope(data: bytes) -> Envelope:
    """The clear envelope of a sealed return. Raises EnvelopeError (a CollegeError) naming field and rule."""
    return _read_envelope(data)[0]


def _read_envelope(data: bytes) -> tuple[Envelope, bytes, bytes]:
    """The envelope, its ciphertext and its signature, decoded once."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError(RULES["envelope-too-large"], rule="envelope-too-large", field="(file)")
    try:
        strict_json.refuse_duplicates(data, known=ENVELOPE_FIELDS)
    except strict_json.DuplicateKey as error:
        raise EnvelopeError(RULES["duplicate-key"], rule="duplicate-key", field=error.field) from None
    try:
        found = Envelope.model_validate_json(data)
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        if any(p["type"] == "json_invalid" for p in problems):
            raise EnvelopeError(RULES["envelope-json"], rule="envelope-json", field="(file)") from None
        where, message = pydantic_problems(error)[0]
        raise EnvelopeError(f"{RULES['envelope-schema']}: {message}", rule="envelope-schema", field=where) from None
    if found.format != ENVELOPE_FORMAT:
        raise EnvelopeError(RULES["envelope-format"], rule="envelope-format", field="format")
    ciphertext = _decode(found.ciphertext, "ciphertext")
    signature = _decode(found.signature, "signature")
    if len(signature) != 64:
        raise EnvelopeError(RULES["envelope-signature-length"], rule="envelope-signature-length", field="signature")
    return found, ciphertext, signature


@dataclass(frozen=True)
class Verdict:
    """What the pipeline learns from one submitted file.

    `ret` is set once the return has opened and its signature verified, even when it
    breaks a rule; it holds figures, so it is left out of the repr.
    """

    digest: str
    received_at: datetime
    envelope: Envelope | None
    ret: Return | None = field(repr=False)
    problems: list[Problem]
    flags: list[Problem]
    late: bool
    content: str | None = None  # SHA-256 of the signed return's bytes: its identity, whatever bytes carried it

    @property
    def accepted(self) -> bool:
        """No problem found. Lateness is separate: a late, otherwise valid return is accepted and late."""
        return not self.problems

    def profile(self) -> Profile:
        if self.ret is None:
            raise CollegeError("no return was opened, so there is no profile", field="ret")
        return return_profile(self.ret)

    def procedural(self) -> dict:
        """What may be recorded before the declaration: who, which file, the outcome and the rules. No figure."""
        env = self.envelope
        return {
            "digest": self.digest,
            "received_at": self.received_at.isoformat(),
            "contest": env.contest if env else None,
            "affiliate": env.affiliate if env else None,
            "key_id": env.key_id if env else None,
            "accepted": self.accepted,
            "late": self.late,
            "content": self.content,
            "problems": [p.model_dump() for p in self.problems],
            "flags": [p.model_dump() for p in self.flags],
        }


def return_profile(ret: Return) -> Profile:
    """The return's preferences as a profile for the count; breakdown keys are for reports only."""
    return from_rows((tuple((name,) for name in row.ranking), row.count) for row in ret.profile)


def section_profile(returns: Iterable[Return]) -> Profile:
    """A section's preferences summed across its returns, one person one vote (not weighted per body)."""
    return combine(return_profile(ret) for ret in returns)


_SCHEMA_TEXTS = {
    "extra_forbidden": "this key is not part of a return",
    "less_than": "a count must be below 2**53, the largest whole number every JSON reader holds exactly",
}


def _schema_problems(error: ValidationError, who: str) -> list[Problem]:
    """Pydantic's findings as problems, without input values and without keys the model does not know."""
    known = set(Return.model_fields) | set(ProfileRow.model_fields)
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        parts = [str(p) if isinstance(p, int) or p in known else "(unknown key)" for p in item["loc"]]
        where = ".".join(parts) or "(top level)"
        message = _SCHEMA_TEXTS.get(item["type"], item["msg"])
        if re.search(r"\d{4,}", message):  # pydantic names no input, but a long number reads like a figure
            message = f"the value breaks the rule {item['type']}"
        problems.append(_problem(who, where, f"schema.{item['type']}", detail=message))
    return problems


def _rows(problems: list[Problem], who: str, field_name: str, rule: str) -> None:
    if sum(p.rule == rule for p in problems) < ROWS_REPORTED:
        problems.append(_problem(who, field_name, rule))


def _rules(ret: Return, contest: Contest, body: ReturningBody | None, who: str) -> list[Problem]:
    """Item 4 of the returns issue: every rule about the return's own content, all problems at once."""
    problems: list[Problem] = []
    if ret.contest != contest.id:
        problems.append(_problem(who, "contest", "return-contest"))
    if body is None:
        problems.append(_problem(who, "affiliate", "unknown-affiliate"))
    else:
        if ret.section != body.section:
            problems.append(_problem(who, "section", "section"))
        if ret.category != body.category:  # the certified count below is then the category's
            problems.append(_problem(who, "category", "category"))
        if ret.scrutineer != body.scrutineer:
            problems.append(_problem(who, "scrutineer", "scrutineer"))
        if ret.certified_members != body.certified_members:
            problems.append(_problem(who, "certified_members", "certified-members"))
        # Items 15-17: the declaration of support, and what a missing one means.
        if body.declaration_required and ret.ineligible is None:
            problems.append(_problem(who, "ineligible", "declaration-missing"))
        if not body.declaration_required and ret.ineligible:
            problems.append(_problem(who, "ineligible", "declaration-not-required"))
        # Items 11, 16: the papers carried the wording agreed for this body, or none where it has none.
        agreed = contest.wording(body)
        if ret.declaration_wording != (agreed.sha256 if agreed else None):
            problems.append(_problem(who, "declaration_wording", "declaration-wording"))
        # Item 13: all full members, and only they, get a paper.
        if ret.papers_issued != body.certified_members:
            if ret.explanation:
                problems.append(_problem(who, "papers_issued", "issued-not-certified-explained", severity="flag"))
            else:
                problems.append(_problem(who, "papers_issued", "issued-not-certified"))

    if ret.papers_returned != ret.valid + ret.spoilt + (ret.ineligible or 0) + ret.other_invalid:
        problems.append(_problem(who, "papers_returned", "returned-arithmetic"))
    if ret.valid != sum(row.count for row in ret.profile):
        problems.append(_problem(who, "valid", "valid-arithmetic"))
    if ret.papers_returned > ret.papers_issued:
        problems.append(_problem(who, "papers_returned", "returned-exceeds-issued"))

    candidates = set(contest.candidates)
    for index, row in enumerate(ret.profile):
        where = f"profile.{index}.ranking"
        if not row.ranking:
            _rows(problems, who, where, "ranking-empty")
        names = set(row.ranking)
        if not names <= candidates:
            _rows(problems, who, where, "ranking-unknown-candidate")
        if len(names) != len(row.ranking):
            _rows(problems, who, where, "ranking-repeated-candidate")

    # A published section's ballots are published voter by voter (the PLP/EPLP in 2010): one person,
    # one paper, so a named ballot published is what was counted for that voter. (Data that names
    # no voters, as 2010's aggregated profile, is counted and simply has no named ballots.)
    if any(s.id == ret.section and s.published for s in contest.sections):
        voters: set[str] = set()
        for index, row in enumerate(ret.profile):
            if row.breakdown is None:
                continue
            if row.breakdown in voters:
                _rows(problems, who, f"profile.{index}.breakdown", "named-voter")
            elif row.count != 1:
                _rows(problems, who, f"profile.{index}.count", "named-voter")
            voters.add(row.breakdown)
    return problems


def _who(contest: Contest, affiliate: str) -> str:
    body = contest.body(affiliate)
    return body.name if body else affiliate


def check_return(ret: Return, contest: Contest, now: datetime | None = None) -> list[Problem]:
    """The scrutineer's self-check of an unsealed return, against the contest file.

    Errors make the return unacceptable; a flag goes to the Procedures Committee; a
    warning is advice (the deadline is near or past).
    """
    body = contest.body(ret.affiliate)
    who = _who(contest, ret.affiliate)
    problems = _rules(ret, contest, body, who)
    deadline = contest.deadline
    if deadline is not None:
        now = now or datetime.now(UTC)
        if now > deadline:
            problems.append(_problem(who, "returns_deadline", "deadline-past", severity="warning"))
        elif deadline - now < DEADLINE_WARNING:
            problems.append(_problem(who, "returns_deadline", "deadline-near", severity="warning"))
    return problems


def _count_key_matches(contest: Contest, key: X25519PrivateKey) -> None:
    if contest.count_public_key is not None and public_text(key) != contest.count_public_key:
        raise CollegeError(
            "the count's private key is not the one whose public half the contest file names",
            field="count_public_key",
        )


def check_submission(
    data: bytes, contest: Contest, count_private_key: X25519PrivateKey, received_at: datetime
) -> Verdict:
    """Decide on one submitted file: provenance first, then open, verify and validate.

    Never raises on bad input (it raises only when the caller's own key or clock is wrong).
    """
    if received_at.utcoffset() is None:
        raise CollegeError("the receipt time needs a time zone", field="received_at")
    _count_key_matches(contest, count_private_key)
    late = contest.deadline is not None and received_at > contest.deadline
    found, ret, problems, content = None, None, [], None
    try:
        found, ret, problems, content = _open(data, contest, count_private_key, received_at)
    except Exception:  # a defect, not bad input; still a verdict, so one file never stops the others
        problems = [Problem(field="(file)", rule="internal", message="the return could not be checked: please report")]
    errors = [p for p in problems if p.severity == "error"]
    flags = [p for p in problems if p.severity == "flag"]
    return Verdict(digest(data), received_at, found, ret, errors, flags, late, content)


def check_envelope(data: bytes, contest: Contest) -> tuple[Envelope | None, list[Problem]]:
    """Provenance, before anything is opened: a well-formed envelope for this contest, from a
    registered body, signed with the key registered for it. Needs no private key."""
    found, _, problems = _provenance(data, contest)
    return found, problems


def _provenance(data: bytes, contest: Contest) -> tuple[Envelope | None, bytes, list[Problem]]:
    try:
        found, ciphertext, signature = _read_envelope(data)
    except EnvelopeError as error:
        problem = Problem(field=error.field or "(file)", rule=error.rule, message=f"submission: {error.message}")
        return None, b"", [problem]
    who = _who(contest, found.affiliate)
    if found.contest != contest.id:
        return found, ciphertext, [_problem(who, "contest", "contest")]
    body = contest.body(found.affiliate)
    if body is None:
        return found, ciphertext, [_problem(who, "affiliate", "unknown-affiliate")]
    if found.key_id != key_id(body.public_key):
        return found, ciphertext, [_problem(who, "key_id", "key-id")]
    message = _envelope_message(found.format, found.contest, found.affiliate, found.key_id, ciphertext)
    if not verify(ed25519_public(body.public_key), ENVELOPE_FORMAT, message, signature):
        return found, ciphertext, [_problem(who, "signature", "envelope-signature")]
    return found, ciphertext, []


def _open(
    data: bytes, contest: Contest, count_private_key: X25519PrivateKey, received_at: datetime
) -> tuple[Envelope | None, Return | None, list[Problem], str | None]:
    """The envelope, the return, its problems, and the content (hash of the signed bytes) once its signature verified."""
    found, ciphertext, problems = _provenance(data, contest)
    if problems:
        return found, None, problems, None
    body = contest.body(found.affiliate)
    who = _who(contest, found.affiliate)
    public = ed25519_public(body.public_key)
    payload = unseal(ciphertext, count_private_key, seal_info(found.contest, found.affiliate))
    if payload is None:
        return found, None, [_problem(who, "ciphertext", "unsealed")], None
    signed = _split_payload(payload)
    if signed is None:
        return found, None, [_problem(who, "(payload)", "payload-shape")], None
    body_bytes, signature = signed
    # The signature covers the exact bytes that are then parsed: nothing is re-serialised.
    if not verify(public, FORMAT, body_bytes, signature):
        return found, None, [_problem(who, "signature", "return-signature")], None
    content = digest(body_bytes)
    try:
        strict_json.refuse_duplicates(body_bytes, known=RETURN_FIELDS)
    except strict_json.DuplicateKey as error:
        return found, None, [_problem(who, error.field, "duplicate-key")], content
    try:
        ret = Return.model_validate_json(body_bytes)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors(include_url=False, include_input=False)):
            return found, None, [_problem(who, "(payload)", "payload-json")], content
        return found, None, _schema_problems(error, who), content
    problems = _rules(ret, contest, body, who)
    if ret.affiliate != found.affiliate:
        problems.append(_problem(who, "affiliate", "return-affiliate"))
    if ret.made_at > received_at + CLOCK_SKEW:
        problems.append(_problem(who, "made_at", "made-after-receipt"))
    return found, ret, problems, content
