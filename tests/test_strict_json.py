"""Issue 15 item 1: every JSON file the project reads refuses a key given twice, naming the rule and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from college import strict_json
from college.ceremony import load_ceremony, load_contribution
from college.declaration import read_declaration
from college.errors import CollegeError
from college.nominations import read_rows
from college.profile import read_profile
from college.receipts import read_receipt, verify_receipt
from college.recount import Manifest
from college.tally import read_tally
from tests.helpers import contest


def test_loads_names_the_path_of_the_repeated_key():
    with pytest.raises(strict_json.DuplicateKey) as caught:
        strict_json.loads(b'{"a": [{"b": 1}, {"c": 1, "c": 2}]}')
    assert caught.value.path == ["a", 1, "c"] and caught.value.field == "a.1.c"
    assert "duplicate-key" in str(caught.value)
    assert strict_json.loads(b'{"a": {"a": {"a": 1}}}') == {"a": {"a": {"a": 1}}}  # one key a level is fine


def test_json_nested_too_deep_to_read_is_not_json():
    # A reader's limit, not a defect: a ValueError as for any other text that is not JSON.
    with pytest.raises(ValueError):
        strict_json.loads(b"[" * 100_000 + b"]" * 100_000)
    strict_json.refuse_duplicates(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)  # the model's reader then refuses it


def test_a_key_the_model_does_not_know_is_not_shown():
    with pytest.raises(strict_json.DuplicateKey) as caught:
        strict_json.loads(b'{"valid": 1, "4821379": 1, "4821379": 2}', known={"valid"})
    assert "4821379" not in str(caught.value) and caught.value.field == "(unknown key)"


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


READERS = {
    "profile": ("profile.json", '{"candidates": ["A", "B"], "ballots": [{"ranking": ["A"], "count": 1, "count": 9}]}',
                lambda path: read_profile(path, contest("AB", weights=("1",)))),
    "receipt": ("receipt.json", '{"receipt": {}, "signature": "", "signature": "x"}', lambda path: read_receipt(path.read_bytes())),
    "ceremony": ("ceremony.json", '{"format": "a", "format": "b"}', load_ceremony),
    "contribution": ("contribution.json", '{"statement": {}, "statement": {}}', load_contribution),
    "declaration": ("declaration.json", '{"format": "a", "format": "b"}', read_declaration),
    "decisions": ("decisions.json", '[{"nominee": "A", "nominee": "B"}]',
                  lambda path: read_rows(path.read_bytes(), path, Manifest)),
    "tally": ("tally.json", '{"format": "a", "format": "b"}', lambda path: read_tally(path.read_bytes())),
}


@pytest.mark.parametrize("kind", READERS)
def test_every_reader_refuses_a_key_given_twice(tmp_path, kind):
    name, text, read = READERS[kind]
    with pytest.raises(CollegeError, match="duplicate-key"):
        read(_file(tmp_path, name, text))


def test_a_history_examples_published_figures_refuse_a_key_given_twice(tmp_path):
    # A figure given twice ("winner", a round's share) would be compared as whichever the reader kept.
    from college.history import examples_folder, load_example

    source = examples_folder() / "2020-leader"
    (tmp_path / "contest.toml").write_bytes((source / "contest.toml").read_bytes())
    text = (source / "published.json").read_text(encoding="utf-8")
    (tmp_path / "published.json").write_text(text.replace('"winner": ', '"winner": "Someone Else", "winner": ', 1), encoding="utf-8")
    with pytest.raises(CollegeError, match="duplicate-key") as caught:
        load_example(tmp_path)
    assert caught.value.field == "winner"


def test_receipt_verification_refuses_a_key_given_twice():
    problems = verify_receipt(b'{"receipt": {}, "receipt": {}, "signature": ""}', "A" * 43 + "=")
    assert problems and "duplicate-key" in problems[0]
