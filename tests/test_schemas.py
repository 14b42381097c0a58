"""The checked-in JSON Schemas match the models, and real files validate against them."""

import json
import tomllib

import jsonschema
import pytest

from college.schemas import generated
from tests.conftest import REPO


@pytest.mark.parametrize("name", sorted(generated()))
def test_schema_file_is_up_to_date(name):
    path = REPO / "schemas" / name
    assert path.exists(), f"schemas/{name} is missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == generated()[name], f"schemas/{name} is stale: run `make schemas`"


def test_no_stray_schema_files():
    on_disk = {p.name for p in (REPO / "schemas").glob("*.json")}
    assert on_disk == set(generated()), "schemas/ holds files no model generates"


def test_design_smallest_contest_validates_against_schema():
    schema = json.loads((REPO / "schemas" / "contest.schema.json").read_text())
    contest = tomllib.loads((REPO / "tests" / "data" / "smallest_contest.toml").read_text())
    jsonschema.validate(contest, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**contest, "unknown_key": 1}, schema)
