"""A catalogue of bad returns: each is refused by the rule it breaks, with no exception and no figure.

Every case is a submitted byte string; the verdict must name the expected rule and field,
and no message may carry a figure or a candidate's name from the return (the messages go
into the ledger and receipts while the figures are under embargo).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from college import returns
from college.returns import envelope, seal_payload, signed_payload
from college.signing import canonical, public_text, seal, sign
from tests.test_returns import BEFORE, CANDIDATES, World, make_world
from tests.test_store import aws, make_s3, moto_server  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


def _envelope_dict(world: World, **changes) -> bytes:
    data = json.loads(world.sealed(world.document()))
    data.update(changes)
    return json.dumps(data).encode()


def _resigned(world: World, body_id: str, **changes) -> bytes:
    """An envelope whose clear fields are changed and signed again by the body's own key."""
    data = json.loads(world.sealed(world.document()))
    ciphertext = base64.b64decode(data["ciphertext"])
    rebuilt = json.loads(envelope(ciphertext, world.key(body_id), changes.get("contest", data["contest"]), body_id))
    return canonical(rebuilt)


def _doc(**changes):
    return lambda w: w.sealed(w.document(**changes))


def _rows(*rows):
    def build(w):
        document = w.document()
        document["profile"] = [*document["profile"][:-1], *rows]
        document["valid"] = sum(r["count"] for r in document["profile"])
        document["papers_returned"] = (
            document["valid"] + document["spoilt"] + document["other_invalid"] + (document["ineligible"] or 0)
        )
        return w.sealed(document)

    return build


def _without(key):
    def build(w):
        document = w.document()
        del document[key]
        return w.sealed(document)

    return build


def _sealed_payload(payload: bytes):
    return lambda w: seal_payload(
        payload, w.key("makers-union"), public_text(w.count_key), contest=w.contest.id, affiliate="makers-union"
    )


def _flip_ciphertext(w):
    data = json.loads(w.sealed(w.document()))
    raw = bytearray(base64.b64decode(data["ciphertext"]))
    raw[-1] ^= 1
    data["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    return json.dumps(data).encode()


def _another_bodys_ciphertext(w):
    """The society's scrutineer re-signs the union's sealed return as their own: it does not open."""
    union = json.loads(w.sealed(w.document()))
    return envelope(base64.b64decode(union["ciphertext"]), w.key("fabian-readers"), w.contest.id, "fabian-readers")


def _wrong_count_key(w):
    payload = signed_payload(w.document(), w.key("makers-union"))
    stranger = X25519PrivateKey.generate().public_key()
    return seal_payload(payload, w.key("makers-union"), stranger, contest=w.contest.id, affiliate="makers-union")


def _inner_signed_by_stranger(w):
    payload = signed_payload(w.document(), Ed25519PrivateKey.generate())
    return _sealed_payload(payload)(w)


def _outer_signed_by_stranger(w):
    """A stranger's key, with the registered key's id copied into the envelope."""
    stranger = Ed25519PrivateKey.generate()
    payload = signed_payload(w.document(), w.key("makers-union"))
    ciphertext = seal(payload, w.count_key.public_key(), returns.seal_info(w.contest.id, "makers-union"))
    data = json.loads(envelope(ciphertext, stranger, w.contest.id, "makers-union"))
    data["key_id"] = json.loads(w.sealed(w.document()))["key_id"]
    return json.dumps(data).encode()


def _signed_by_another_registered_body(w):
    """The society's scrutineer signs a return in the union's name (with the society's key id)."""
    return w.sealed(w.document(), body_id="makers-union", signer=w.key("fabian-readers"))


def _signed_bytes(body: bytes):
    """Any bytes, signed with the registered key as a return's bytes are: only the parse can refuse them."""
    def build(w):
        signature = base64.b64encode(sign(w.key("makers-union"), returns.FORMAT, body)).decode()
        return _sealed_payload(b'{"return":' + body + b',"signature":"' + signature.encode() + b'"}')(w)

    return build


def _too_large(w):
    return b" " * (returns.MAX_ENVELOPE_BYTES + 1)


def _envelope_with_a_second(key: str, value: str):
    """The envelope's clear JSON with `key` given again at the end (an envelope naming two affiliates)."""
    def build(w):
        data = w.sealed(w.document())
        return data[:-1] + b"," + json.dumps(key).encode() + b":" + json.dumps(value).encode() + b"}"

    return build


def _return_with_a_second(text: str):
    """A return signed and sealed properly whose signed bytes give a key twice: `text` is appended
    to the return's top-level object, or to its first profile row when it starts with "row:"."""
    def build(w):
        body = canonical(w.document())
        if text.startswith("row:"):
            at = body.index(b"}", body.index(b'"profile":[{'))
            body = body[:at] + b"," + text.removeprefix("row:").encode() + body[at:]
        else:
            body = body[:-1] + b"," + text.encode() + b"}"
        return _signed_bytes(body)(w)

    return build


# (case, builder, rule, field)
CATALOGUE = [
    ("empty file", lambda w: b"", "envelope-json", "(file)"),
    ("not JSON", lambda w: b"%PDF-1.7 not a return", "envelope-json", "(file)"),
    ("larger than any return", _too_large, "envelope-too-large", "(file)"),
    ("envelope without key id", lambda w: _envelope_dict(w, key_id=None), "envelope-schema", "key_id"),
    ("envelope with an extra key", lambda w: _envelope_dict(w, figures="x"), "envelope-schema", "figures"),
    ("unknown envelope format", lambda w: _envelope_dict(w, format="college-return-envelope/9"), "envelope-format", "format"),
    ("ciphertext not base64", lambda w: _envelope_dict(w, ciphertext="***"), "envelope-base64", "ciphertext"),
    ("signature not base64", lambda w: _envelope_dict(w, signature="@@@@"), "envelope-base64", "signature"),
    ("signature too short", lambda w: _envelope_dict(w, signature="AAAA"), "envelope-signature-length", "signature"),
    ("envelope for another contest", lambda w: _resigned(w, "makers-union", contest="2025-deputy"), "contest", "contest"),
    ("unregistered body", lambda w: _envelope_dict(w, affiliate="shadow-union"), "unknown-affiliate", "affiliate"),
    ("another key's id", _signed_by_another_registered_body, "key-id", "key_id"),
    ("envelope signed by a stranger", _outer_signed_by_stranger, "envelope-signature", "signature"),
    ("envelope moved to another body", lambda w: _envelope_dict(w, affiliate="fabian-readers"), "key-id", "key_id"),
    ("ciphertext tampered", _flip_ciphertext, "envelope-signature", "signature"),
    ("sealed to another count key", _wrong_count_key, "unsealed", "ciphertext"),
    ("another body's sealed return", _another_bodys_ciphertext, "unsealed", "ciphertext"),
    ("payload not laid out as signed", _sealed_payload(b"\x00\x01 not json"), "payload-shape", "(payload)"),
    ("signed bytes not JSON", _signed_bytes(b"{not json"), "payload-json", "(payload)"),
    # Nested deeper than Python's JSON reader can follow (it raised RecursionError, not a rule).
    ("an envelope nested too deep", lambda w: b"[" * 100_000 + b"]" * 100_000, "envelope-json", "(file)"),
    ("a return nested too deep", _signed_bytes(b'{"return":' * 100_000 + b"1" + b"}" * 100_000), "payload-json", "(payload)"),
    ("payload without a signature", _sealed_payload(b'{"return": {}}'), "payload-shape", "(payload)"),
    ("payload signature not base64", _sealed_payload(b'{"return":{},"signature":"***"}'), "payload-shape", "(payload)"),
    ("return signed by a stranger", _inner_signed_by_stranger, "return-signature", "signature"),
    ("return for another contest", _doc(contest="2025-deputy"), "return-contest", "contest"),
    ("return names another body",
     lambda w: w.sealed(w.document(affiliate="fabian-readers"), body_id="makers-union"), "return-affiliate", "affiliate"),
    ("wrong section", _doc(section="members"), "section", "section"),
    ("scrutineer not the registered one", _doc(scrutineer="A. Stand-in"), "scrutineer", "scrutineer"),
    ("certified count not the register's", _doc(certified_members=2_718_280), "certified-members", "certified_members"),
    ("returned does not add up", _doc(papers_returned=1_155_467), "returned-arithmetic", "papers_returned"),
    ("valid is not the profile's sum", _doc(valid=1_089_537, papers_returned=1_155_467), "valid-arithmetic", "valid"),
    ("more returned than issued", _doc(papers_issued=1_000_000, explanation="some papers lost in the post"),
     "returned-exceeds-issued", "papers_returned"),
    ("issued is not certified, unexplained", _doc(papers_issued=2_718_280), "issued-not-certified", "papers_issued"),
    ("declaration figure missing", _doc(ineligible=None), "declaration-missing", "ineligible"),
    ("ineligible papers where no declaration", lambda w: w.sealed(w.document("fabian-readers", ineligible=5,
     papers_returned=1_089_538 + 4_613 + 2_927 + 5)), "declaration-not-required", "ineligible"),
    ("an empty ranking", _rows({"ranking": [], "count": 93_177, "breakdown": None}), "ranking-empty", "profile.2.ranking"),
    ("a name not nominated", _rows({"ranking": ["Ann Example", "Eve Impostor"], "count": 93_177, "breakdown": None}),
     "ranking-unknown-candidate", "profile.2.ranking"),
    ("a withdrawn candidate", _rows({"ranking": ["Wes Withdrawn"], "count": 93_177, "breakdown": None}),
     "ranking-unknown-candidate", "profile.2.ranking"),
    ("a candidate ranked twice", _rows({"ranking": ["Cat Example", "Ann Example", "Cat Example"], "count": 93_177,
     "breakdown": None}), "ranking-repeated-candidate", "profile.2.ranking"),
    ("made after it was received", _doc(made_at="2026-09-03T10:00:00Z"), "made-after-receipt", "made_at"),
    ("a count as a fraction", _doc(spoilt=4613.5), "schema.int_type", "spoilt"),
    ("a count as a string", _doc(spoilt="4613"), "schema.int_type", "spoilt"),
    ("a count as a boolean", _doc(other_invalid=True), "schema.int_type", "other_invalid"),
    ("a negative count", _doc(spoilt=-4_613), "schema.greater_than_equal", "spoilt"),
    ("a count beyond 2**53", lambda w: _signed_bytes(json.dumps(w.document(valid=2**53)).encode())(w),
     "schema.less_than", "valid"),
    ("a number beyond any float", lambda w: _signed_bytes(json.dumps(w.document()).replace('"spoilt": 4613', '"spoilt": 1e999').encode())(w),
     "schema.int_type", "spoilt"),
    ("a profile row of no papers", _rows({"ranking": ["Cat Example"], "count": 0, "breakdown": None}),
     "schema.greater_than_equal", "profile.2.count"),
    ("a field missing", _without("valid"), "schema.missing", "valid"),
    ("an extra field", _doc(turnout="37%"), "schema.extra_forbidden", "(unknown key)"),
    ("a time without its zone", _doc(made_at="2026-08-30T10:00:00"), "schema.timezone_aware", "made_at"),
    ("a time beyond the year 9999", _doc(made_at=253_402_300_800_000), "schema.datetime_parsing", "made_at"),
    ("an unknown return format", _doc(format="college-return/2"), "schema.literal_error", "format"),
    ("a ranking that is not a list", _rows({"ranking": "Ann Example", "count": 93_177, "breakdown": None}),
     "schema.list_type", "profile.2.ranking"),
    # Issue 15 item 1: a key given twice, read differently by different readers, is refused.
    ("an envelope naming two affiliates", _envelope_with_a_second("affiliate", "fabian-readers"), "duplicate-key", "affiliate"),
    ("an envelope with two signatures", _envelope_with_a_second("signature", "AAAA"), "duplicate-key", "signature"),
    ("a return giving valid twice", _return_with_a_second('"valid":100'), "duplicate-key", "valid"),
    ("a profile row giving its count twice", _return_with_a_second('row:"count":1'), "duplicate-key", "profile.0.count"),
    ("an unknown key given twice", _return_with_a_second('"zz":1,"zz":2'), "duplicate-key", "(unknown key)"),
]


def test_the_public_door_refuses_json_nested_too_deep_by_its_rule(world):
    # The web service's upload check (college/inbox.py) reads the body again to tell a clear return
    # from junk: a RecursionError there was a 500, not a 400 naming the rule.
    from college.inbox import Refused, check_upload

    with pytest.raises(Refused) as caught:
        check_upload(b"[" * 3_000 + b"]" * 3_000, world.contest)
    assert caught.value.rule == "envelope-json"


def test_the_catalogue_is_big_and_distinct():
    assert len(CATALOGUE) >= 30
    assert len({case for case, *_ in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case, build, rule, field", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_each_bad_return_is_refused_by_its_rule(world, case, build, rule, field):
    verdict = world.check(build(world))
    assert not verdict.accepted
    assert (rule, field) in [(p.rule, p.field) for p in verdict.problems], verdict.problems
    assert all(p.rule != "internal" for p in verdict.problems)
    assert_no_figures(world, verdict.problems)


def assert_no_figures(world: World, problems) -> None:
    """No message or field carries a figure or a candidate's name from the return."""
    document = world.document()
    figures = {v for k, v in document.items() if isinstance(v, int) and not isinstance(v, bool)}
    figures |= {row["count"] for row in document["profile"]}
    shown = {str(f) for f in figures} | {f"{f:,}" for f in figures} | {f"{f:_}" for f in figures}
    names = set(CANDIDATES) | {"Eve Impostor", "Wes Withdrawn"} | {n.split()[0] for n in CANDIDATES}
    for problem in problems:
        text = f"{problem.field} {problem.message}"
        leaked = [s for s in shown | names if s in text]
        assert not leaked, (problem, leaked)
        assert not re.search(r"(?<![A-Za-z])\d{4,}", problem.message), problem


def test_rows_breaking_a_rule_are_listed_up_to_a_limit(world):
    bad = [{"ranking": [], "count": 1, "breakdown": None}] * 40
    problems = world.check(_rows(*bad)(world)).problems
    assert sum(p.rule == "ranking-empty" for p in problems) == returns.ROWS_REPORTED


# --- fuzzing: any bytes give a verdict, never an exception ---------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_any_bytes_get_a_verdict(world, data):
    verdict = world.check(data)
    assert not verdict.accepted and verdict.ret is None
    assert all(p.rule != "internal" for p in verdict.problems)


@FUZZ
@given(data=st.binary(max_size=500) | st.text(max_size=300).map(str.encode))
def test_read_envelope_answers_any_bytes_with_an_envelope_or_an_envelope_error(data):
    try:
        returns.read_envelope(data)
    except returns.EnvelopeError as error:
        assert error.rule in returns.RULES and error.field


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
ENVELOPE_KEYS = ["format", "contest", "affiliate", "key_id", "ciphertext", "signature", "extra"]
RETURN_KEYS = [*returns.Return.model_fields, "extra"]


@FUZZ
@given(key=st.sampled_from(ENVELOPE_KEYS), value=json_values)
def test_any_envelope_field_value_gets_a_verdict(world, key, value):
    verdict = world.check(_envelope_dict(world, **{key: value}))
    assert all(p.rule != "internal" for p in verdict.problems)
    assert_no_figures(world, verdict.problems)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(RETURN_KEYS), json_values, min_size=1, max_size=3))
def test_any_signed_return_content_gets_a_verdict(world, changes):
    """Content signed with the registered key and sealed properly: only the rules can refuse it."""
    verdict = world.check(world.sealed(world.document(**changes), body_id="makers-union"))
    assert all(p.rule != "internal" for p in verdict.problems)
    assert verdict.accepted == (not verdict.problems)
    assert_no_figures(world, verdict.problems)


@FUZZ
@given(row=json_values)
def test_any_profile_row_gets_a_verdict(world, row):
    document = world.document()
    document["profile"].append(row)
    verdict = world.check(world.sealed(document))
    assert not verdict.accepted
    assert all(p.rule != "internal" for p in verdict.problems)
    assert_no_figures(world, verdict.problems)


@FUZZ
@given(data=st.binary(min_size=1, max_size=300))
def test_any_sealed_payload_gets_a_verdict(world, data):
    verdict = world.check(_sealed_payload(data)(world))
    assert not verdict.accepted
    assert all(p.rule != "internal" for p in verdict.problems)


def test_a_late_return_and_an_explained_one_are_not_in_the_catalogue_of_refusals(world):
    late = world.check(world.sealed(world.document()), received_at=world.contest.returns_deadline + timedelta(hours=1))
    assert late.accepted and late.late
    assert world.check(world.sealed(world.document()), received_at=BEFORE).accepted


# --- hostile sequences: what a return does to the ones before it (issue 15 items 2, 3, 6) -------
# These need the ledger: each goes through the ingest steps (no Prefect) over a local store.


@pytest.fixture
def college_world(tmp_path, monkeypatch):
    from college.store import LocalStore
    from tests.ingest_world import make_college

    college = make_college(tmp_path, bodies=3)
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    return college, LocalStore(tmp_path / "store")


def _ingest(college, store, *files: tuple[str, bytes]):
    from college.ingest import standings
    from college.ledger import Ledger
    from tests.ingest_world import ingest_without_prefect

    for name, data in files:
        store.put(f"inbox/{name}", data)
    ingest_without_prefect(college.contest, store)
    return standings(college.contest, Ledger(store).entries())


def _reserialised(data: bytes) -> dict[str, bytes]:
    """The same sealed return in other bytes, as whoever holds the file can make them."""
    envelope_ = json.loads(data)
    signature = envelope_["signature"]
    # 64 bytes in base64 end "x==": the last letter's low 4 bits are not data, so another letter decodes the same
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(signature[-3])
    recoded = signature[:-3] + alphabet[last ^ 1] + "=="
    assert base64.b64decode(recoded, validate=True) == base64.b64decode(signature)
    return {
        "indented": json.dumps(envelope_, indent=4).encode(),
        "reordered": json.dumps(dict(reversed(list(envelope_.items())))).encode(),
        "base64 re-encoded": json.dumps({**envelope_, "signature": recoded}).encode(),
    }


def test_a_superseded_return_in_other_bytes_is_a_duplicate_and_never_replaces_the_correction(college_world):
    from college.ingest import DUPLICATE
    from college.ledger import Ledger

    college, store = college_world
    old = college.sealed("society-01", made_at="2026-08-30T10:00:00+00:00")
    correction = college.sealed("society-01", made_at="2026-08-30T11:00:00+00:00")
    state = _ingest(college, store, ("1-old.sealed", old), ("2-correction.sealed", correction))
    counting = state.bodies["society-01"].counting
    assert counting == digest_of(correction)
    replays = _reserialised(old) | {f"correction {k}": v for k, v in _reserialised(correction).items()}
    state = _ingest(college, store, *((f"3-{label}.sealed", data) for label, data in replays.items()))
    assert state.bodies["society-01"].counting == counting
    entries = Ledger(store).entries()
    for data in replays.values():
        outcome = next(e for e in entries if e.once_key == f"outcome:{digest_of(data)}")
        assert outcome.event == DUPLICATE and outcome.reasons[0].startswith("duplicate-content")
        assert store.exists(f"receipts/{digest_of(data)}.json")


def test_a_return_made_before_the_one_that_counts_never_supersedes_it(college_world):
    from college.ledger import Ledger

    college, store = college_world
    newer = college.sealed("society-02", made_at="2026-08-30T11:00:00+00:00")
    older = college.sealed("society-02", made_at="2026-08-30T10:00:00+00:00")  # other content, signed, but older
    same_time = college.sealed("society-02", made_at="2026-08-30T11:00:00+00:00", explanation="other content, same time")
    resealed = college.sealed("society-02", made_at="2026-08-30T11:00:00+00:00")  # the same signed return, sealed anew
    state = _ingest(college, store, ("1-newer.sealed", newer), ("2-older.sealed", older))
    assert state.bodies["society-02"].counting == digest_of(newer)
    outcome = Ledger(store).find(f"outcome:{digest_of(older)}")
    assert outcome.event == "rejected" and outcome.reasons[0].startswith("older-return")
    _ingest(college, store, ("3-same-time.sealed", same_time), ("4-resealed.sealed", resealed))
    ledger = Ledger(store)
    assert ledger.find(f"outcome:{digest_of(same_time)}").reasons[0].startswith("older-return")
    assert ledger.find(f"outcome:{digest_of(resealed)}").event == "duplicate"
    later = college.sealed("society-02", made_at="2026-08-30T12:00:00+00:00")
    assert _ingest(college, store, ("5-later.sealed", later)).bodies["society-02"].counting == digest_of(later)


ODD_NAMES = ["with a space.sealed", "new\nline.sealed", ".leading-dot.sealed", "tab\tand ünïcode", "..."]


def test_every_inbox_object_is_received_whatever_its_name(college_world):
    from college.ingest import RECEIVED
    from college.ledger import Ledger

    college, store = college_world
    files = [(name, college.sealed("society-03", made_at=f"2026-08-30T1{n}:00:00+00:00")) for n, name in enumerate(ODD_NAMES)]
    _ingest(college, store, *files)
    received = {e.ids["inbox"]: e for e in Ledger(store).entries() if e.event == RECEIVED}
    for name, data in files:
        assert received[f"inbox/{name}"].object_hash == digest_of(data)
        assert store.exists(f"receipts/{digest_of(data)}.json")


def test_an_odd_inbox_name_is_received_from_s3_too(tmp_path, monkeypatch, aws, moto_server):  # noqa: F811
    from college.ingest import RECEIVED, new_inbox_keys
    from college.ledger import Ledger
    from tests.ingest_world import ingest_without_prefect, make_college

    college = make_college(tmp_path, bodies=3)
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    store = make_s3(moto_server)
    data = college.sealed("society-01")
    store.client.put_object(Bucket=store.bucket, Key=f"{store.prefix}/inbox/.odd name (moto cannot carry a newline)", Body=data)
    ingest_without_prefect(college.contest, store)
    ledger = Ledger(store)
    assert [e.ids["inbox"] for e in ledger.entries() if e.event == RECEIVED] == ["inbox/.odd name (moto cannot carry a newline)"]
    assert new_inbox_keys(ledger, store) == []
    assert store.exists(f"receipts/{digest_of(data)}.json")


def test_a_flagged_return_waits_for_the_committee_and_shows_in_status(college_world):
    from college.ingest import ADMITTED, admission_event, record, status
    from college.ledger import Ledger

    college, store = college_world
    body = next(b for b in college.contest.register if b.id == "society-01")
    flagged = college.sealed("society-01", papers_issued=body.certified_members + 11_604_073,
                             explanation="a second mailing to members who moved")
    state = _ingest(college, store, ("flagged.sealed", flagged))
    standing = state.bodies["society-01"]
    assert standing.counting is None and standing.state == "flagged" and "society-01" in state.missing
    report = status(college.contest, Ledger(store).entries())
    row = next(b for b in report.bodies if b.body == "society-01")
    assert row.state == "flagged" and row.flagged[0].submission == digest_of(flagged)
    assert row.flagged[0].flags[0].startswith("issued-not-certified-explained")
    assert "11604073" not in report.model_dump_json()
    from college.procedure import procedural_record

    [record_] = procedural_record(college.contest, Ledger(store).entries()).returns  # what the NEC report shows
    assert record_.outcome == "flagged" and record_.decision.startswith("not admitted")
    assert record_.reasons[0].startswith("issued-not-certified-explained")
    ledger = Ledger(store)
    record(ledger, state, admission_event(standing, digest_of(flagged), "Procedures Committee"), f"{ADMITTED}:x")
    assert state.bodies["society-01"].counting == digest_of(flagged)


def digest_of(data: bytes) -> str:
    from college.signing import digest

    return digest(data)
