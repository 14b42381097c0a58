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
]


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
