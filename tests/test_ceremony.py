"""The key ceremony and the quorum: fewer than k members open nothing, k open the result, a bad share is named."""

from __future__ import annotations

import base64
import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from college.ceremony import (
    Ceremony,
    Contribution,
    ContributionStatement,
    MemberKeys,
    add_declaration_key,
    check_ceremony,
    contribute,
    count_key_from_environment,
    key_ceremony,
    open_declaration_key,
    open_result,
    open_share,
    parse_count_key,
    seal_result,
    load_ceremony,
    load_contribution,
    stored_contributions,
    verify_contribution,
    verify_record,
)
from college.cli import app
from college.anchor import check_contest
from college.contest import Committee, Contest, load_contest
from college.dry_run.rehearsal import dry_run_committee
from college.errors import CollegeError
from college.folders import CONTRIBUTIONS
from college.ledger import Ledger
from college.store import LocalStore
from college.signing import canonical, digest, private_text, public_text, sign

from .conftest import REPO

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
SMALLEST = REPO / "tests" / "data" / "smallest_contest.toml"
RESULT = b'{"winner": "Ann Example", "rounds": []}'


def contest_with(committee: Committee | None = None) -> Contest:
    return load_contest(SMALLEST).model_copy(update={"committee": committee})


@pytest.fixture(scope="module")
def held():
    """A 3-of-6 committee, its ceremony, and a sealed result."""
    committee, keys = dry_run_committee(quorum=3)
    contest = contest_with(committee)
    ceremony = key_ceremony(contest, committee, NOW, conducted_by="the independent scrutineer")
    sealed = seal_result(RESULT, contest, ceremony.declaration_public_key)
    return ceremony, keys, sealed


def contribution(ceremony: Ceremony, keys: dict[str, MemberKeys], member_id: str, sealed: bytes | None = None) -> Contribution:
    share = open_share(ceremony, member_id, keys[member_id].share)
    result_hash = digest(sealed) if sealed is not None else None
    return contribute(ceremony, member_id, share, keys[member_id].signing, NOW, result_hash=result_hash)


def member_ids(ceremony: Ceremony) -> list[str]:
    return [m.id for m in ceremony.committee.members]


def name_of(ceremony: Ceremony, member_id: str) -> str:
    return ceremony.committee.member(member_id).name


def named(ceremony: Ceremony, member_id: str) -> str:
    """A pattern for how errors name a member: "Name (id)"."""
    return re.escape(f"{name_of(ceremony, member_id)} ({member_id})")


# --- the quorum --------------------------------------------------------------------------


def test_two_shares_of_three_cannot_open_and_say_how_many_more(held):
    ceremony, keys, sealed = held
    two = [contribution(ceremony, keys, m, sealed) for m in member_ids(ceremony)[:2]]
    with pytest.raises(CollegeError, match=r"2 of the 3 contributions the quorum needs \(3 of 6\): 1 more needed"):
        open_declaration_key(ceremony, two, result_hash=digest(sealed))
    # The same member twice is still one member.
    with pytest.raises(CollegeError, match="1 more needed"):
        open_declaration_key(ceremony, two + two[:1], result_hash=digest(sealed))


def test_any_three_open_the_result(held):
    ceremony, keys, sealed = held
    everyone = {m: contribution(ceremony, keys, m, sealed) for m in member_ids(ceremony)}
    for three in itertools.combinations(everyone, 3):
        key = open_declaration_key(ceremony, [everyone[m] for m in three], result_hash=digest(sealed))
        assert public_text(key) == ceremony.declaration_public_key
        assert open_result(sealed, ceremony.contest, key) == RESULT
    # More than the quorum opens too (only k are combined).
    assert public_text(open_declaration_key(ceremony, list(everyone.values()))) == ceremony.declaration_public_key


def test_a_tampered_share_is_identified_by_name(held):
    ceremony, keys, sealed = held
    first, second, third = member_ids(ceremony)[:3]
    good = [contribution(ceremony, keys, m, sealed) for m in (first, second)]
    honest = contribution(ceremony, keys, third, sealed)
    share = bytearray(base64.b64decode(honest.share))
    share[0] ^= 1
    tampered = honest.model_copy(update={"share": base64.b64encode(bytes(share)).decode()})
    with pytest.raises(CollegeError) as caught:
        open_declaration_key(ceremony, [*good, tampered], result_hash=digest(sealed))
    message = str(caught.value)
    assert name_of(ceremony, third) in message and "does not match the hash published" in message
    assert name_of(ceremony, first) not in message and name_of(ceremony, second) not in message
    assert honest.share not in message  # no share in an error


def test_a_foreign_share_is_identified_by_name_even_when_properly_signed(held):
    ceremony, keys, sealed = held
    first, second, third = member_ids(ceremony)[:3]
    # The same committee held a second ceremony (say, for another contest): the third member's share from it.
    other = key_ceremony(contest_with(ceremony.committee), ceremony.committee, NOW)
    foreign_share = open_share(other, third, keys[third].share)
    statement = ContributionStatement(
        contest=ceremony.contest,
        ceremony=ceremony.hash,
        member=third,
        purpose="declare",
        result_hash=digest(sealed),
        made_at=NOW,
        share_hash=digest(foreign_share),
    )
    signature = sign(keys[third].signing, "college-contribution-v1", canonical(statement.model_dump(mode="json")))
    foreign = Contribution(
        statement=statement, signature=base64.b64encode(signature).decode(), share=base64.b64encode(foreign_share).decode()
    )
    good = [contribution(ceremony, keys, m, sealed) for m in (first, second)]
    with pytest.raises(CollegeError, match=f"{named(ceremony, third)}: the share does not match"):
        open_declaration_key(ceremony, [*good, foreign], result_hash=digest(sealed))
    # And a whole contribution made for the other ceremony is refused, naming the member.
    made_elsewhere = contribute(other, third, foreign_share, keys[third].signing, NOW)
    problems = verify_contribution(ceremony, made_elsewhere)
    assert any("another key ceremony" in p and name_of(ceremony, third) in p for p in problems)


def test_a_contribution_signed_by_another_member_fails(held):
    ceremony, keys, sealed = held
    first, second, third = member_ids(ceremony)[:3]
    honest = contribution(ceremony, keys, third, sealed)
    signature = sign(keys[first].signing, "college-contribution-v1", canonical(honest.statement.model_dump(mode="json")))
    forged = honest.model_copy(update={"signature": base64.b64encode(signature).decode()})
    problems = verify_contribution(ceremony, forged, result_hash=digest(sealed))
    assert problems == [
        f"contribution from {name_of(ceremony, third)} ({third}): the signature does not verify with the member's registered signing key"
    ]
    with pytest.raises(CollegeError, match=named(ceremony, third)):
        open_declaration_key(ceremony, [contribution(ceremony, keys, m, sealed) for m in (first, second)] + [forged])
    # A member cannot sign with a key other than the one registered for them.
    share = open_share(ceremony, third, keys[third].share)
    with pytest.raises(CollegeError, match="not the one registered"):
        contribute(ceremony, third, share, keys[first].signing, NOW)


def test_a_contribution_is_bound_to_its_purpose_and_sealed_result(held):
    ceremony, keys, sealed = held
    member = member_ids(ceremony)[0]
    made = contribution(ceremony, keys, member, sealed)
    assert verify_contribution(ceremony, made, result_hash=digest(sealed)) == []
    assert "signed for another sealed result" in verify_contribution(ceremony, made, result_hash=digest(b"other"))[0]
    assert "signed for purpose 'declare', not 'recount'" in verify_contribution(ceremony, made, purpose="recount")[0]
    # Changing what was signed breaks the signature.
    altered = made.model_copy(update={"statement": made.statement.model_copy(update={"purpose": "recount"})})
    assert any("signature does not verify" in p for p in verify_contribution(ceremony, altered, purpose="recount"))


def test_sealed_shares_open_only_with_the_right_member_key(held):
    ceremony, keys, _ = held
    first, second = member_ids(ceremony)[:2]
    assert digest(open_share(ceremony, first, keys[first].share)) == ceremony.share_of(first).share_hash
    with pytest.raises(CollegeError, match=f"the share of {named(ceremony, first)} does not open"):
        open_share(ceremony, first, keys[second].share)
    with pytest.raises(CollegeError, match="no member 'stranger'"):
        open_share(ceremony, "stranger", keys[first].share)
    # A share sealed for one member does not open as another's, even with the right key (the member is bound in).
    swapped = ceremony.model_copy(
        update={"shares": [s.model_copy(update={"sealed": ceremony.share_of(second).sealed}) if s.member == first else s for s in ceremony.shares]}
    )
    with pytest.raises(CollegeError, match="does not open"):
        open_share(swapped, first, keys[second].share)


def test_the_wrong_declaration_key_or_contest_fails_cleanly(held):
    ceremony, keys, sealed = held
    with pytest.raises(CollegeError, match="does not open with this declaration key"):
        open_result(sealed, ceremony.contest, X25519PrivateKey.generate())
    key = open_declaration_key(ceremony, [contribution(ceremony, keys, m) for m in member_ids(ceremony)[:3]])
    with pytest.raises(CollegeError, match="does not open"):
        open_result(sealed, "another-contest", key)
    with pytest.raises(CollegeError, match="does not open"):
        open_result(sealed[:-1] + bytes([sealed[-1] ^ 1]), ceremony.contest, key)
    assert RESULT not in sealed


def test_the_ceremony_record_reveals_no_share_and_round_trips(held):
    ceremony, keys, _ = held
    text = ceremony.model_dump_json()
    assert Ceremony.model_validate_json(text) == ceremony
    for member in member_ids(ceremony):
        share = open_share(ceremony, member, keys[member].share)
        assert base64.b64encode(share).decode() not in text and share.hex() not in text
    # The record is bound into every contribution: an altered record refuses them all.
    altered = ceremony.model_copy(update={"conducted_by": "someone else"})
    with pytest.raises(CollegeError, match="made for another key ceremony"):
        open_declaration_key(altered, [contribution(ceremony, keys, m) for m in member_ids(ceremony)[:3]])


def test_the_ceremony_is_held_once_and_checked_against_the_contest(held):
    ceremony, _, _ = held
    contest = contest_with(ceremony.committee)
    with pytest.raises(CollegeError, match="declaration_public_key: the contest's declaration key is not"):
        check_ceremony(ceremony, contest)
    keyed = contest.model_copy(update={"declaration_public_key": ceremony.declaration_public_key})
    check_ceremony(ceremony, keyed)
    with pytest.raises(CollegeError, match="held once per contest"):
        key_ceremony(keyed, ceremony.committee, NOW)
    other_committee, _ = dry_run_committee(quorum=3)
    with pytest.raises(CollegeError, match="not the one in the contest file"):
        key_ceremony(contest, other_committee, NOW)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=1, max_value=5))
def test_any_k_of_n_open_and_no_k_minus_one_do(data, n):
    k = data.draw(st.integers(min_value=1, max_value=n), label="k")
    keys = {f"m{i}": MemberKeys.generate() for i in range(n)}
    committee = Committee(members=[keys[m].member(m, f"Member {m}", "role") for m in keys], quorum=k)
    ceremony = key_ceremony(contest_with(committee), committee, NOW)
    chosen = data.draw(st.permutations(sorted(keys)), label="order")
    made = [contribute(ceremony, m, open_share(ceremony, m, keys[m].share), keys[m].signing, NOW) for m in chosen[:k]]
    assert public_text(open_declaration_key(ceremony, made)) == ceremony.declaration_public_key
    if k > 1:
        with pytest.raises(CollegeError, match="1 more needed"):
            open_declaration_key(ceremony, made[:-1])


def test_the_ledger_record_holds_no_share_and_still_verifies(held):
    ceremony, keys, sealed = held
    member = member_ids(ceremony)[0]
    made = contribution(ceremony, keys, member, sealed)
    record = made.ledger_record()
    assert made.share not in record.model_dump_json()
    assert verify_record(ceremony, record, result_hash=digest(sealed)) == []
    other = member_ids(ceremony)[1]
    claimed = record.model_copy(update={"statement": record.statement.model_copy(update={"member": other})})
    assert any(f"{name_of(ceremony, other)} ({other})" in p and "signature does not verify" in p for p in verify_record(ceremony, claimed))


def test_garbage_in_a_contribution_is_a_problem_not_a_crash(held, tmp_path):
    ceremony, keys, _ = held
    member = member_ids(ceremony)[0]
    made = contribution(ceremony, keys, member)
    for field, value in (("signature", "!!not base64"), ("share", "!!"), ("share", ""), ("signature", "")):
        problems = verify_contribution(ceremony, made.model_copy(update={field: value}))
        assert problems and all(name_of(ceremony, member) in p for p in problems)
    stranger = made.model_copy(update={"statement": made.statement.model_copy(update={"member": "stranger"})})
    assert verify_contribution(ceremony, stranger) == [
        "contribution from 'stranger': not a member of the committee at this ceremony"
    ]
    path = tmp_path / "contribution.json"
    for text, rule in (("", "Invalid JSON"), ("{}", "statement"), ('{"statement": 1, "signature": "", "share": "", "x": 1}', "statement")):
        path.write_text(text)
        with pytest.raises(CollegeError, match=rule) as caught:
            load_contribution(path)
        assert str(path) in str(caught.value)


# --- the committee -------------------------------------------------------------------------


def test_the_committee_is_validated():
    committee, keys = dry_run_committee(quorum=6)
    assert [m.role for m in committee.members][0] == "General Secretary (Procedures Secretary)"
    members = list(committee.members)
    for quorum, rule in ((7, "more than the 6 members"), (0, "greater than or equal to 1")):
        with pytest.raises(ValidationError, match=rule):
            Committee(members=members, quorum=quorum)
    twin = members[1].model_copy(update={"id": members[0].id})
    with pytest.raises(ValidationError, match="same id"):
        Committee(members=[members[0], twin], quorum=1)
    shared = members[1].model_copy(update={"share_key": members[0].share_key})
    with pytest.raises(ValidationError, match="same share_key"):
        Committee(members=[members[0], shared], quorum=1)
    with pytest.raises(ValidationError, match="32 bytes"):
        Committee.model_validate({"members": [{**members[0].model_dump(), "signing_key": "AAAA"}], "quorum": 1})


def test_the_committee_reads_from_the_contest_file(tmp_path):
    committee, _ = dry_run_committee(quorum=4)
    lines = ["", "[committee]", "quorum = 4"]
    for member in committee.members:
        lines.append("[[committee.members]]")
        lines += [f"{field} = {json.dumps(value)}" for field, value in member.model_dump().items()]
    path = tmp_path / "contest.toml"
    path.write_text(SMALLEST.read_text() + "\n".join(lines) + "\n")
    assert load_contest(path).committee == committee


def test_the_declaration_key_goes_into_the_contest_file_changing_nothing_else():
    text = SMALLEST.read_text()
    updated = add_declaration_key(text, "KEY")
    assert updated.replace('declaration_public_key = "KEY"\n\n', "") == text
    assert add_declaration_key(updated, "OTHER") is None  # already there: never replaced
    assert add_declaration_key("not = [toml", "KEY") is None
    # A "[" line inside a multi-line string is not a table: the edit is refused, not made wrongly.
    tricky = 'id = """\n[not a table]\n"""\n'
    assert add_declaration_key(tricky, "KEY") is None


# --- the count key ----------------------------------------------------------------------


def test_the_count_key_reads_from_pem_or_base64_and_never_shows_in_an_error():
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    for text in (pem, private_text(key), f"  {private_text(key)}\n"):
        assert public_text(parse_count_key(text)) == public_text(key)
    assert count_key_from_environment({}) is None
    assert public_text(count_key_from_environment({"COLLEGE_COUNT_KEY": pem})) == public_text(key)
    secret = private_text(key)
    for bad in (secret[:-4], "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----", ""):
        with pytest.raises(CollegeError, match="COLLEGE_COUNT_KEY") as caught:
            parse_count_key(bad)
        assert secret[:-4] not in str(caught.value)


# --- the commands -------------------------------------------------------------------------


PASSPHRASE = {"COLLEGE_KEY_PASSPHRASE": "correct horse"}


def _committee_of_three(tmp_path: Path, runner: CliRunner, count_key: X25519PrivateKey | None = None) -> tuple[Path, str]:
    """The smallest contest with a committee of three (quorum 2) made by `committee keygen`, and
    the key ceremony held for it (`ceremony run`, into ceremony.json): the contest file's path and
    what the ceremony printed."""
    entries = ["", "[committee]", "quorum = 2"]
    for member_id in ("gs", "chair", "vice"):
        made = runner.invoke(
            app,
            ["committee", "keygen", "--id", member_id, "--name", f"Name {member_id}", "--role", "a role", "--out-dir", str(tmp_path)],
            env=PASSPHRASE,
        )
        assert made.exit_code == 0, made.output
        entries += made.stdout.splitlines()  # standard output is the contest file's entry, and nothing else
    contest_file = tmp_path / "contest.toml"
    top = [f'count_public_key = "{public_text(count_key)}"'] if count_key else []
    contest_file.write_text("\n".join(top) + "\n" + SMALLEST.read_text() + "\n".join(entries) + "\n")
    held = runner.invoke(app, ["ceremony", "run", str(contest_file), "--out", str(tmp_path / "ceremony.json")])
    assert held.exit_code == 0, held.output
    return contest_file, held.output


def test_the_ceremony_from_the_command_line(tmp_path: Path):
    runner = CliRunner()
    env = PASSPHRASE
    contest_file, held = _committee_of_three(tmp_path, runner)
    assert "quorum 2 of 3" in held and "written into" in held
    contest = load_contest(contest_file)
    ceremony = Ceremony.model_validate_json((tmp_path / "ceremony.json").read_text())
    check_ceremony(ceremony, contest)
    again = runner.invoke(app, ["ceremony", "run", str(contest_file), "--out", str(tmp_path / "again.json")])
    assert again.exit_code == 2 and "held once per contest" in again.output

    sealed = tmp_path / "result.sealed"
    sealed.write_bytes(seal_result(RESULT, contest, contest.declaration_public_key))
    store = LocalStore(tmp_path / "store")  # where the count keeps the sealed result and records its hash
    store.put_content("sealed", sealed.read_bytes())
    Ledger(store).append("counted", object_hash=digest(sealed.read_bytes()))
    typo = runner.invoke(
        app, ["ceremony", "contribute", str(tmp_path / "ceremony.json"), "--member", "gs", "--signing-key", "x", "--share-key", "y",
              "--result-hash", digest(b"a typo"), "--store", str(store.root), "--out", str(tmp_path / "typo.json")], env=env,
    )
    assert typo.exit_code == 2 and "is not the sealed result the count recorded" in typo.output  # at once, before any key
    files = []
    for member_id in ("gs", "vice"):
        path = tmp_path / f"{member_id}.contribution.json"
        keys = ["--signing-key", str(tmp_path / f"{member_id}.signing.key"), "--share-key", str(tmp_path / f"{member_id}.share.key")]
        given_ = runner.invoke(
            app,
            ["ceremony", "contribute", str(tmp_path / "ceremony.json"), "--member", member_id, *keys, "--result", str(sealed),
             "--store", str(store.root), "--out", str(path)],
            env=env,
        )
        assert given_.exit_code == 0, given_.output
        files.append(str(path))
    one = runner.invoke(app, ["ceremony", "check", str(tmp_path / "ceremony.json"), files[0], "--result", str(sealed)])
    assert one.exit_code == 0 and "ok: Name gs (gs)" in one.output and "1 more needed" in one.output
    both = runner.invoke(app, ["ceremony", "check", str(tmp_path / "ceremony.json"), *files, "--result", str(sealed)])
    assert both.exit_code == 0 and "quorum of 2 of 3 is met" in both.output
    other = runner.invoke(app, ["ceremony", "check", str(tmp_path / "ceremony.json"), *files, "--result-hash", digest(b"x")])
    assert other.exit_code == 2 and "BAD: contribution from Name gs (gs): signed for another sealed result" in other.output

    wrong = runner.invoke(
        app,
        ["ceremony", "contribute", str(tmp_path / "ceremony.json"), "--member", "chair",
         "--signing-key", str(tmp_path / "chair.signing.key"), "--share-key", str(tmp_path / "gs.share.key"),
         "--store", str(store.root), "--out", str(tmp_path / "chair.json")],
        env=env,
    )
    assert wrong.exit_code == 2 and "the share of Name chair (chair) does not open" in wrong.output
    assert "Traceback" not in wrong.output and not (tmp_path / "chair.json").exists()


def test_a_contribution_put_into_the_store_is_sealed_to_the_count_key(tmp_path: Path):
    """`--to-store` keeps the contribution sealed: every role reads the bucket, and a quorum of shares
    in clear would open the result before the declaration. The declaration opens them with the count key."""
    runner = CliRunner()
    count_key = X25519PrivateKey.generate()
    contest_file, _ = _committee_of_three(tmp_path, runner, count_key)
    contest = load_contest(contest_file)
    store = LocalStore(tmp_path / "store")
    ledger = Ledger(store)
    check_contest(ledger, contest, contest_file.read_bytes(), str(contest_file))
    sealed = seal_result(RESULT, contest, load_ceremony(tmp_path / "ceremony.json").declaration_public_key)
    store.put_content("sealed", sealed)
    ledger.append("counted", object_hash=digest(sealed))
    for member_id in ("gs", "vice"):
        keys = ["--signing-key", str(tmp_path / f"{member_id}.signing.key"), "--share-key", str(tmp_path / f"{member_id}.share.key")]
        given_ = runner.invoke(
            app,
            ["ceremony", "contribute", str(tmp_path / "ceremony.json"), "--member", member_id, *keys, "--store", str(store.root),
             "--to-store", "--out", str(tmp_path / f"{member_id}.json")],
            env=PASSPHRASE,
        )
        assert given_.exit_code == 0 and "sealed to the count key" in given_.output, given_.output

    mine = {m: load_contribution(tmp_path / f"{m}.json") for m in ("gs", "vice")}
    kept = [store.get(key) for key in store.list(f"{CONTRIBUTIONS}/")]
    assert len(kept) == 2
    for data in kept:
        assert not any(c.share.encode() in data or base64.b64decode(c.share) in data for c in mine.values())
    opened = stored_contributions(store, digest(sealed), contest, count_key)
    assert {c.statement.member: c for c in opened} == mine
    open_declaration_key(load_ceremony(tmp_path / "ceremony.json"), opened, result_hash=digest(sealed))
    with pytest.raises(CollegeError, match="does not open with the count key"):
        stored_contributions(store, digest(sealed), contest, X25519PrivateKey.generate())


def test_a_dry_run_ceremony_leaves_the_contest_file_as_it_was(tmp_path: Path):
    """`--dry-run` wrote its key into the real contest file: the count would be sealed to a rehearsal's key, the
    declaration marked DRY RUN, and the real ceremony refused as a second one."""
    runner = CliRunner()
    contest_file, _ = _committee_of_three(tmp_path, runner)
    text = "\n".join(line for line in contest_file.read_text().splitlines() if not line.startswith("declaration_public_key"))
    contest_file.write_text(text + "\n")
    rehearsed = runner.invoke(app, ["ceremony", "run", str(contest_file), "--out", str(tmp_path / "dry.json"), "--dry-run"])
    assert rehearsed.exit_code == 0, rehearsed.output
    assert contest_file.read_text() == text + "\n" and "add this line" in rehearsed.output
    held = runner.invoke(app, ["ceremony", "run", str(contest_file), "--out", str(tmp_path / "real.json")])
    assert held.exit_code == 0 and "written into" in held.output, held.output


def test_the_ceremony_refuses_a_store_set_up_for_another_contest_before_it_begins(tmp_path: Path, monkeypatch):
    """It held the ceremony, then said the other contest's store was 'set up for' this one."""
    from college.preconditions import set_up_store
    from datetime import UTC, datetime

    runner = CliRunner()
    contest_file, _ = _committee_of_three(tmp_path, runner)
    text = "\n".join(line for line in contest_file.read_text().splitlines() if not line.startswith("declaration_public_key"))
    contest_file.write_text(text + "\n")
    other = LocalStore(tmp_path / "other-store")
    set_up_store(other, "another-contest", datetime.now(UTC))
    monkeypatch.setenv("COLLEGE_STORE", str(other.root))
    refused = runner.invoke(app, ["ceremony", "run", str(contest_file), "--out", str(tmp_path / "c.json")])
    assert refused.exit_code == 2 and "set up for another-contest" in refused.output, refused.output
    assert not (tmp_path / "c.json").exists() and contest_file.read_text() == text + "\n"
