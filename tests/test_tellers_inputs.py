"""The tellers' app in process (TestClient): whatever a client types, the answer is the page
with the rule or a refusal, never a 500, and nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from college.meeting.record import load_record, open_record
from college.service.tellers import create_tellers_app
from college.store import store_from

SELECTION = Path(__file__).resolve().parent.parent / "examples" / "selection-northfield" / "selection.toml"


@pytest.fixture
def tellers(tmp_path):
    store = store_from(str(tmp_path / "record"))
    open_record(store, SELECTION.read_bytes(), file=str(SELECTION), present=31)
    client = TestClient(create_tellers_app(store, "the-token"), base_url="https://localhost",
                        raise_server_exceptions=False, follow_redirects=False)
    return store, client


def _csrf(client: TestClient) -> str:
    page = client.get("/").text
    marker = 'name="csrf" value="'
    return page[page.index(marker) + len(marker):].split('"', 1)[0]


@pytest.mark.parametrize("field", ["returned", "votes:Grace Adeyemi"])
@pytest.mark.parametrize("typed", ["²", "١٢", "3²"])
def test_a_count_in_digits_other_than_0_to_9_is_refused_with_its_rule(tellers, field, typed):
    store, client = tellers
    assert client.get("/sign-in", params={"token": "the-token"}).status_code == 303
    form = {"returned": "31", "spoilt": "1", "blank": "0", "votes:Grace Adeyemi": "12", "votes:Hassan Ali": "8",
            "votes:Imran Shah": "5", "votes:Jane Morris": "5"}
    answer = client.post("/round", data={**form, "csrf": _csrf(client), field: typed})
    assert answer.status_code == 400 and f"{field}: enter a whole number of 0 or more" in answer.text, answer.text
    assert load_record(store)[1] == 0


def test_a_sign_in_link_or_form_token_of_any_text_is_refused(tellers):
    store, client = tellers
    assert client.get("/sign-in", params={"token": "²"}).status_code == 403
    assert client.get("/sign-in", params={"token": "the-token"}).status_code == 303
    answer = client.post("/round", data={"csrf": "é", "returned": "31"})
    assert answer.status_code == 403 and "security token" in answer.text
    assert load_record(store)[1] == 0
