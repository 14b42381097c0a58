"""Admitting a late return from the web (issue 16 with issue 15): a return uploaded after the
deadline waits, late, until a quorum of the Procedures Committee signs its admission with their
passkeys in the service; then it counts, the ledger says who admitted it, and the signed
decision holds for anyone with the contest file alone. A real `college serve` process; the
members sign without a browser (tests/service_world.py's software passkey)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from college.decisions import read_decision, verify_decision
from college.events import ADMITTED
from college.ledger import Ledger
from college.store import LocalStore
from tests.service_world import Visitor, make_world, post_return, start_server, wait_for_receipt

MEMBERS = ("nec-chair", "cac-chair", "procedures-secretary")  # the quorum is 3


def test_the_committee_admits_a_late_return_from_the_web(tmp_path, prefect_server):
    from prefect.settings import PREFECT_API_URL

    world = make_world(tmp_path / "world", datetime.now(UTC) - timedelta(minutes=1))  # the deadline has passed
    server = start_server(world, environment={"PREFECT_API_URL": PREFECT_API_URL.value()})
    try:
        late = post_return(server.url, world.sealed("unite-test"))
        assert late.status_code == 202, late.text
        sha = late.json()["sha256"]
        assert json.loads(wait_for_receipt(server.url, sha).content)["receipt"]["outcome"] == "late"

        members = {member: Visitor(server.url) for member in MEMBERS}
        passkeys = {member: visitor.enrol_and_sign_in(world, member) for member, visitor in members.items()}
        chair = members["nec-chair"]
        assert _state(chair, "unite-test") == "late"

        # Only a late or flagged return is the committee's to admit: anything else is refused with the rule.
        refused = chair.post("/committee/decisions", data={"csrf": chair.csrf("/committee"), "kind": "admit",
                                                             "submission": "0" * 64})
        assert refused.status_code == 422 and "not a late or flagged return" in refused.text
        proposed = chair.post("/committee/decisions", data={"csrf": chair.csrf("/committee"), "kind": "admit",
                                                             "submission": sha})
        assert proposed.status_code == 303, proposed.text

        for signed, member in enumerate(MEMBERS, 1):
            assert members[member].sign_decisions(passkeys[member]) == 1
            admitted = Ledger(LocalStore(server.store)).find(f"{ADMITTED}:{sha}")
            assert (admitted is not None) == (signed == 3), f"after {signed} signatures"
        assert _state(chair, "unite-test") == "admitted late"

        admitted = Ledger(LocalStore(server.store)).find(f"{ADMITTED}:{sha}")
        assert admitted.ids["kind"] == "admit" and admitted.ids["decided-by"].count("DRY RUN") == 3
        document = read_decision((server.store / "decisions" / admitted.ids["decision"]).read_bytes())
        assert {s.method for s in document.signatures} == {"passkey"}
        assert verify_decision(document, world.contest) == []
        assert Ledger(LocalStore(server.store)).verify() == []
    finally:
        server.stop()


def _state(visitor: Visitor, body: str) -> str:
    answer = visitor.get("/api/v1/status")
    assert answer.status_code == 200, answer.text
    return next(b["state"] for b in answer.json()["status"]["bodies"] if b["body"] == body)
