"""The public door (issue 17 item 2): in production the service that faces the internet runs with
keys that may put only into the inbox, so it serves no committee page (`--no-committee`), and a
write its keys may not make is a 503 naming the rule, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from college.folders import INBOX
from college.service.app import create_app
from college.service.state import Config
from college.store import LocalStore, StoreRefused
from tests.service_world import make_world

COMMITTEE_ROUTES = [("GET", "/committee"), ("GET", "/committee/sign-in"), ("GET", "/committee/enrol"),
                    ("POST", "/committee/sign-in/options"), ("POST", "/committee/decisions")]


def door(tmp_path, monkeypatch, committee: bool):
    for name in ("COLLEGE_COUNT_KEY", "COLLEGE_COUNT_KEY_BLOCK", "COLLEGE_RECEIPT_KEY", "COLLEGE_RECEIPT_KEY_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    world = make_world(tmp_path / "world", None)
    store = tmp_path / "store"
    config = Config(contest_file=world.contest_file, store=str(store), publish_dir=tmp_path / "published", committee=committee)
    return world, LocalStore(store), TestClient(create_app(config), base_url="https://localhost")


def test_a_public_door_takes_uploads_and_serves_no_committee_page(tmp_path, monkeypatch):
    world, store, client = door(tmp_path, monkeypatch, committee=False)
    with client:
        home = client.get("/")
        assert home.status_code == 200
        assert "Procedures Committee</a>" not in home.text and "/committee" not in home.text
        for method, path in COMMITTEE_ROUTES:
            answer = client.request(method, path, headers={"Accept": "application/json"})
            assert (answer.status_code, answer.json()["rule"]) == (404, "route"), path
        assert client.get("/api/v1/status").status_code == 401
        sealed = world.sealed("unite-test")
        answer = client.post("/api/v1/returns", content=sealed, headers={"Content-Type": "application/octet-stream"})
        assert answer.status_code == 202, answer.text
    assert [store.get(key) for key in store.list(f"{INBOX}/")] == [sealed]


def test_the_full_service_links_the_committee(tmp_path, monkeypatch):
    _, _, client = door(tmp_path, monkeypatch, committee=True)
    with client:
        assert "Procedures Committee</a>" in client.get("/").text
        assert client.get("/committee/sign-in").status_code == 200


def test_a_write_the_store_refuses_is_a_503_naming_the_rule(tmp_path, monkeypatch):
    world, store, client = door(tmp_path, monkeypatch, committee=False)

    def refused(self, key, data):
        raise StoreRefused("S3 refused put_object: AccessDenied", file="s3://college-store", field=key)

    monkeypatch.setattr(LocalStore, "put", refused)
    with client:
        answer = client.post("/api/v1/returns", content=world.sealed("unite-test"),
                             headers={"Content-Type": "application/octet-stream"})
        assert answer.status_code == 503
        assert answer.json()["rule"] == "store"
        assert "AccessDenied" not in answer.text and "inbox/" not in answer.text
        form = client.get("/upload").text
        marker = 'name="csrf" value="'
        token = form[form.index(marker) + len(marker):].split('"', 1)[0]
        page = client.post("/upload", data={"csrf": token}, files={"sealed": ("a.sealed", world.sealed("plp-ballot"))})
        assert page.status_code == 503
        assert 'id="rule">store<' in page.text


def test_the_service_refuses_at_start_a_receipt_key_that_is_the_count_key(tmp_path, monkeypatch):
    """The service signs checkpoints of the committee's ledger entries: with the two key variables swapped
    it would sign write-once objects that never verify (as ingest, tally and declare refuse)."""
    from college.errors import CollegeError
    from college.signing import private_text

    world = make_world(tmp_path / "world", None)
    monkeypatch.setenv("COLLEGE_COUNT_KEY", private_text(world.count_key))
    monkeypatch.setenv("COLLEGE_RECEIPT_KEY", private_text(world.count_key))
    monkeypatch.delenv("COLLEGE_RECEIPT_KEY_BLOCK", raising=False)
    config = Config(contest_file=world.contest_file, store=str(tmp_path / "store"), publish_dir=tmp_path / "published")
    with pytest.raises(CollegeError, match="is the count key"):
        create_app(config)
