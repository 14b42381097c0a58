"""A dry run's world: keys for everyone, the contest file, the key ceremony, and every body's
sealed return, with the faults a rehearsal must see caught.

Issue 8 and DESIGN.md: before the Electoral College meeting the Procedures Committee and
the party's scrutineer rehearse the whole count on a generated contest (college/dry_run/simulation.py),
through exactly the production path. This module makes what the people would bring to it:
each scrutineer's key and sealed return, the count key, the receipt key, the committee's
keys and its ceremony. Every name it makes says DRY RUN where a person could mistake it.

Faults (`FAULTS`) are extra submissions (or a withheld one) beside the genuine returns, each
with the outcome and the rule the pipeline must report for it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import tomlkit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.ceremony import Ceremony, MemberKeys, key_ceremony
from college.contest import Committee, Contest
from college.errors import CollegeError
from college.count.rules import count
from college.profile import from_rows
from college.returns import make_return, seal_return
from college.signing import public_text
from college.dry_run.simulation import CANDIDATE_POOL, SECTIONS, Ballot, Row, Simulation, simulate

# Seed 003 item 2, in the order the seed lists them: (id used in the dry runs, role).
SEED_003_ROLES: tuple[tuple[str, str], ...] = (
    ("procedures-secretary", "General Secretary (Procedures Secretary)"),
    ("nec-chair", "Chair of the NEC"),
    ("nec-vice-chair", "Vice Chair of the NEC"),
    ("org-sub-chair", "Chair of NEC Organisation Sub-Committee"),
    ("jpc-co-convenor", "Co-convenor of JPC"),
    ("cac-chair", "Chair of CAC"),
)


FAULTS = (
    "tampered",  # a byte of the ciphertext changed in transit
    "wrong-key",  # signed with a key that is not the one registered
    "arithmetic",  # papers returned do not add up
    "declaration-missing",  # no ineligible figure where the paper carries the declaration
    "duplicate",  # the same bytes sent twice
    "superseding",  # a corrected return replaces the first
    "late",  # a second return after the deadline
    "missing-body",  # one body sends nothing
    "tie",  # two candidates tied for lowest: the committee decides
)


@dataclass(frozen=True)
class Submission:
    """One file a scrutineer sends, and what the pipeline must make of it."""

    label: str
    body: str
    data: bytes
    expect: str  # accepted, rejected, duplicate, superseded or late
    rule: str | None = None  # for a rejection, the rule it must name
    after_deadline: bool = False


@dataclass(frozen=True)
class Rehearsal:
    simulation: Simulation
    contest_data: dict
    count_key: X25519PrivateKey
    receipt_key: Ed25519PrivateKey
    committee_keys: dict[str, MemberKeys]
    ceremony: Ceremony
    submissions: tuple[Submission, ...]
    missing: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()

    def contest_text(self, deadline: datetime) -> str:
        """The contest file, with the returns deadline the run sets once the returns are sealed."""
        data = dict(self.contest_data, returns_deadline=deadline)
        return "# DRY RUN: a generated contest; nothing in it is real.\n" + tomlkit.dumps(data)

    def contest(self, deadline: datetime) -> Contest:
        return Contest.model_validate(dict(self.contest_data, returns_deadline=deadline))


def rehearse(seed: int, scale: str = "small", *, faults: bool = False, candidates: int = 5, now: datetime) -> Rehearsal:
    """Everything a dry run needs, reproducible in its figures from `seed` (keys are fresh each run).

    With faults, the seed is the first from `seed` whose contest reaches the tie; the contest's id names it.
    """
    simulation, tied = (_needing_the_committee(seed, scale, candidates) if faults else (simulate(seed, scale, candidates), ()))
    body_keys = {ballot.body.id: Ed25519PrivateKey.generate() for ballot in simulation.ballots}
    count_key = X25519PrivateKey.generate()
    committee, committee_keys = dry_run_committee(quorum=3)
    data = {
        "id": simulation.contest_id,
        "position": simulation.position,
        "candidates": list(simulation.candidates),
        "tie_policy": ["previous-rounds", "refer"] if faults else ["previous-rounds", "lot"],
        "lot_seed": f"DRY RUN seed {seed}",
        "sections": [
            {"id": sid, "name": name, "weight": weight, "published": sid == "plp"} for sid, name, weight in SECTIONS
        ],
        "register": [
            {
                "id": b.body.id,
                "name": b.body.name,
                "kind": b.body.kind,
                "section": b.body.section,
                "certified_members": b.body.certified,
                "declaration_required": b.body.declaration_required,
                "scrutineer": b.body.scrutineer,
                "public_key": public_text(body_keys[b.body.id]),
            }
            for b in simulation.ballots
        ],
        "count_public_key": public_text(count_key),
        "committee": committee.model_dump(mode="json"),
    }
    provisional = Contest.model_validate(data)
    ceremony = key_ceremony(provisional, committee, now, conducted_by="DRY RUN", dry_run=True)
    data["declaration_public_key"] = ceremony.declaration_public_key
    contest = Contest.model_validate(data)

    def sealed(ballot: Ballot, made_at: datetime, key: Ed25519PrivateKey | None = None, **changes) -> bytes:
        ret = _return(contest, ballot, made_at)
        if changes:
            ret = ret.model_copy(update=changes)
        return seal_return(ret, key or body_keys[ballot.body.id], count_key.public_key())

    made = now - timedelta(hours=1)
    genuine = {b.body.id: sealed(b, made) for b in simulation.ballots}
    subs = [Submission(body, body, data, "accepted") for body, data in genuine.items()]
    missing: tuple[str, ...] = ()
    if faults:
        subs, missing = _faults(simulation, genuine, subs, sealed, made)
    return Rehearsal(
        simulation, data, count_key, Ed25519PrivateKey.generate(), committee_keys, ceremony, tuple(subs),
        missing, tied,
    )


def _needing_the_committee(seed: int, scale: str, candidates: int) -> tuple[Simulation, tuple[str, ...]]:
    """The first seed from `seed` whose contest, with the tie fault, reaches the tie before anyone
    is elected (a generated favourite may win outright in round one), so the fault is exercised."""
    for attempt in range(seed, seed + 100):
        plain = simulate(attempt, scale, candidates)
        tied = tuple(name for name in CANDIDATE_POOL if name not in plain.candidates)[:2]
        simulation = with_tie(plain, tied)
        sections: dict[str, list] = {}
        for ballot in simulation.ballots:
            sections.setdefault(ballot.body.section, []).extend(
                (tuple((name,) for name in row.ranking), row.count) for row in ballot.rows
            )
        contest = Contest.model_validate({
            "id": "probe", "position": "Leader", "candidates": list(simulation.candidates), "tie_policy": ["refer"],
            "sections": [{"id": sid, "name": name, "weight": weight} for sid, name, weight in SECTIONS],
        })
        if count(contest, {sid: from_rows(rows) for sid, rows in sections.items()}).status == "decision-needed":
            return simulation, tied
    raise CollegeError(f"no seed from {seed} to {seed + 99} gives a contest that reaches the tie", field="seed")


def _return(contest: Contest, ballot: Ballot, made_at: datetime):
    groups: dict[str | None, list] = {}
    for row in ballot.rows:
        groups.setdefault(row.breakdown, []).append((tuple((name,) for name in row.ranking), row.count))
    return make_return(
        contest,
        ballot.body.id,
        {key: from_rows(rows) for key, rows in groups.items()},
        papers_issued=ballot.issued,
        papers_returned=ballot.returned,
        spoilt=ballot.spoilt,
        other_invalid=ballot.other_invalid,
        ineligible=ballot.ineligible if ballot.body.declaration_required else None,
        made_at=made_at,
    )


def _faults(simulation: Simulation, genuine: dict[str, bytes], subs: list[Submission], sealed, made: datetime):
    """The faulty submissions, each from a different affiliate so every fault is seen on its own."""
    affiliates = [b for b in simulation.ballots if b.body.section == "affiliates"]
    if len(affiliates) < 8:
        raise CollegeError(f"faults need at least 8 affiliates, the {simulation.scale} scale has {len(affiliates)}", field="scale")
    with_declaration = next(b for b in affiliates if b.body.declaration_required)
    others = [b for b in affiliates if b is not with_declaration]
    tampered, wrong, broken, duplicate, superseding, late, absent = others[:7]

    def label(ballot: Ballot, fault: str) -> str:
        return f"{ballot.body.id} ({fault})"

    rejected = [
        Submission(label(tampered, "tampered"), tampered.body.id, _tamper(genuine[tampered.body.id]),
                   "rejected", "envelope-signature"),
        Submission(label(wrong, "wrong-key"), wrong.body.id, sealed(wrong, made, Ed25519PrivateKey.generate()),
                   "rejected", "key-id"),
        Submission(label(broken, "arithmetic"), broken.body.id,
                   sealed(broken, made, papers_returned=broken.returned + 1), "rejected", "returned-arithmetic"),
        Submission(label(with_declaration, "declaration-missing"), with_declaration.body.id,
                   sealed(with_declaration, made, ineligible=None), "rejected", "declaration-missing"),
    ]
    # The faulty files arrive first, so the genuine return that follows is what counts; a
    # superseding return is the genuine one corrected, sent after it.
    subs = [s for s in subs if s.body != absent.body.id]
    first = next(i for i, s in enumerate(subs) if s.body == superseding.body.id)
    subs[first] = replace(subs[first], expect="superseded", label=label(superseding, "superseded"))
    afterwards = [
        Submission(label(duplicate, "duplicate"), duplicate.body.id, genuine[duplicate.body.id], "duplicate"),
        Submission(label(superseding, "superseding"), superseding.body.id,
                   sealed(superseding, made + timedelta(minutes=10)), "accepted"),
        Submission(label(late, "late"), late.body.id, sealed(late, made + timedelta(minutes=30)), "late",
                   after_deadline=True),
    ]
    return rejected + subs + afterwards, (absent.body.id,)


def _tamper(data: bytes) -> bytes:
    envelope = json.loads(data)
    raw = bytearray(base64.b64decode(envelope["ciphertext"]))
    raw[len(raw) // 2] ^= 0x01
    envelope["ciphertext"] = base64.b64encode(bytes(raw)).decode("ascii")
    return json.dumps(envelope).encode("utf-8")


def with_tie(simulation: Simulation, tied: Sequence[str]) -> Simulation:
    """Two more candidates with exactly equal support in every body, so they tie for lowest.

    A few papers of each body (a quarter of one per cent each) are given to them instead,
    so every body's paper figures stay as they were.
    """
    ballots = []
    for ballot in simulation.ballots:
        share = max(1, ballot.valid // 400)
        ballots.append(replace(ballot, rows=_redirect(ballot.rows, [(tied[0],), (tied[1],)], share)))
    return replace(simulation, candidates=simulation.candidates + tuple(tied), ballots=tuple(ballots))


def _redirect(rows: tuple[Row, ...], rankings: list[tuple[str, ...]], each: int) -> tuple[Row, ...]:
    """Take `each` papers for every ranking in `rankings` from the largest rows, keeping breakdown keys."""
    wanted = [ranking for ranking in rankings for _ in range(each)]
    out: list[Row] = []
    for row in sorted(rows, key=lambda r: -r.count):
        take = min(row.count, len(wanted))
        if take:
            taken, wanted = wanted[:take], wanted[take:]
            for ranking in set(taken):
                out.append(Row(ranking, taken.count(ranking), row.breakdown))
        if row.count > take:
            out.append(Row(row.ranking, row.count - take, row.breakdown))
    return tuple(out)


def dry_run_committee(quorum: int = 3) -> tuple[Committee, dict[str, MemberKeys]]:
    """Seed 003's six-member committee with keys made for this run only (dry runs and tests)."""
    keys = {member_id: MemberKeys.generate() for member_id, _ in SEED_003_ROLES}
    members = [keys[member_id].member(member_id, f"DRY RUN {role}", role) for member_id, role in SEED_003_ROLES]
    return Committee(members=members, quorum=quorum), keys
