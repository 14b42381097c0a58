"""The whole path under embargo (issue 6): ingest, the count, a tie referred to the committee,
then a quorum declaring. Before the declaration no figure is anywhere outside the sealed
objects; only three of six members together can open the result; a bad share is named.

Every figure in these returns is a sentinel: a number (or exact share) that appears nowhere
else, so finding one outside the sealed store is a leak and nothing else.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.ceremony import contribute, key_ceremony, open_share
from college.dry_run.rehearsal import dry_run_committee
from college.contest import Contest, load_contest
from college.count.rules import count as independent_count
from college.errors import CollegeError
from college.ledger import Ledger
from college.procedure import open_ties
from college.profile import from_rows
from college.returns import make_return, seal_return
from college.signing import private_text, public_text
from college.store import LocalStore
from tests.leakscan import prefect_database, scan_files, scan_sqlite

CANDIDATES = ["Ann Sentinel", "Bob Sentinel", "Cal Tied", "Dee Tied"]
# body id -> (section, kind, declaration required, {first preference: papers}); Cal and Dee tie everywhere.
BODIES = {
    "plp": ("plp", "party_ballot", False, {"Ann Sentinel": 3_141_592, "Bob Sentinel": 2_718_281, "Cal Tied": 1_414_213}),
    "members": ("members", "party_ballot", False, {"Ann Sentinel": 4_669_201, "Bob Sentinel": 5_772_156, "Cal Tied": 1_618_033}),
    "union-a": ("affiliates", "trade_union", True, {"Ann Sentinel": 2_502_907, "Bob Sentinel": 1_324_717, "Cal Tied": 1_202_056}),
}
NEXT = {"Ann Sentinel": "Bob Sentinel", "Bob Sentinel": "Ann Sentinel", "Cal Tied": "Dee Tied", "Dee Tied": "Cal Tied"}
SPOILT, OTHER, INELIGIBLE = 7_071_067, 3_162_277, 2_236_067


def papers(firsts: dict[str, int]) -> dict[tuple, int]:
    rows = {(name, NEXT[name]): n for name, n in firsts.items()}
    rows[("Dee Tied", "Cal Tied")] = firsts["Cal Tied"]
    return rows


class World:
    def __init__(self, root: Path, deadline: datetime):
        self.count_key = X25519PrivateKey.generate()
        self.receipt_key = Ed25519PrivateKey.generate()
        self.body_keys = {body: Ed25519PrivateKey.generate() for body in BODIES}
        self.committee, self.member_keys = dry_run_committee(quorum=3)
        data = {
            "id": "embargo-test",
            "position": "Leader",
            "candidates": CANDIDATES,
            "tie_policy": ["previous-rounds", "refer"],
            "sections": [{"id": s, "name": s.title(), "weight": "1/3"} for s in ("plp", "members", "affiliates")],
            "register": [
                {
                    "id": body, "name": f"Body {body}", "kind": kind, "section": section,
                    "certified_members": self.issued(body), "declaration_required": required,
                    "scrutineer": f"Scrutineer {body}", "public_key": public_text(self.body_keys[body]),
                }
                for body, (section, kind, required, _) in BODIES.items()
            ],
            "count_public_key": public_text(self.count_key),
            "committee": self.committee.model_dump(mode="json"),
            "returns_deadline": deadline,
        }
        self.ceremony = key_ceremony(Contest.model_validate(data), self.committee, datetime.now(UTC))
        self.contest = Contest.model_validate(data | {"declaration_public_key": self.ceremony.declaration_public_key})
        self.contest_file = root / "contest.toml"
        import tomlkit

        self.contest_file.write_text(tomlkit.dumps(data | {"declaration_public_key": self.ceremony.declaration_public_key}))
        self.ceremony_file = root / "ceremony.json"
        self.ceremony_file.write_text(self.ceremony.model_dump_json())

    @staticmethod
    def valid(body: str) -> int:
        return sum(papers(BODIES[body][3]).values())

    def issued(self, body: str) -> int:
        return self.valid(body) + SPOILT + OTHER + (INELIGIBLE if BODIES[body][2] else 0)

    def profile(self, body: str):
        return from_rows((tuple((n,) for n in ranking), count) for ranking, count in papers(BODIES[body][3]).items())

    def sealed(self, body: str, **changes) -> bytes:
        required = BODIES[body][2]
        ret = make_return(
            self.contest, body, self.profile(body), papers_issued=self.issued(body), papers_returned=self.issued(body),
            spoilt=SPOILT, other_invalid=OTHER, ineligible=INELIGIBLE if required else None,
        )
        return seal_return(ret.model_copy(update=changes), self.body_keys[body], self.count_key.public_key())

    def contribution(self, member: str, folder: Path, sealed_hash: str) -> Path:
        keys = self.member_keys[member]
        made = contribute(self.ceremony, member, open_share(self.ceremony, member, keys.share), keys.signing,
                          datetime.now(UTC), result_hash=sealed_hash)
        path = folder / f"{member}.json"
        path.write_text(made.model_dump_json())
        return path

    def sentinels(self) -> list[str]:
        """Every figure of the returns and of the result (votes and exact shares), as text."""
        numbers = {SPOILT, OTHER, INELIGIBLE}
        for body in BODIES:
            numbers |= {self.valid(body), self.issued(body), *papers(BODIES[body][3]).values()}
        texts: list[str] = []
        for round_ in self.expected().rounds:
            for section in round_.sections:
                numbers |= {section.valid, *section.votes.values()}
                texts += [s.exact for s in section.shares.values() if "/" in s.exact]
            texts += [s.exact for s in round_.college.values() if "/" in s.exact]
        found = {str(n) for n in numbers if n > 100_000} | {f"{n:,}" for n in numbers if n > 100_000}
        return sorted(found | set(texts))

    def expected(self, decisions=()):
        profiles = {BODIES[b][0]: self.profile(b) for b in BODIES}
        return independent_count(self.contest, profiles, decisions)


@pytest.fixture(scope="module")
def counted(prefect_server, tmp_path_factory):
    """Ingest and count (with the tie referred and decided); the declaration is left to the tests."""
    from flows.count import count, resume_paused_count
    from flows.dry_run import committee_decides
    from flows.ingest import ingest

    root = tmp_path_factory.mktemp("embargo")
    world = World(root, datetime.now(UTC) + timedelta(seconds=2))
    store = LocalStore(root / "store")
    os.environ["COLLEGE_COUNT_KEY"] = private_text(world.count_key)
    os.environ["COLLEGE_RECEIPT_KEY"] = private_text(world.receipt_key)
    store.put("inbox/1-broken.sealed", world.sealed("union-a", papers_returned=world.issued("union-a") + 1))
    for number, body in enumerate(BODIES, start=2):
        store.put(f"inbox/{number}-{body}.sealed", world.sealed(body))
    time.sleep(2.2)
    ingest(str(world.contest_file), store.uri)
    ledger = Ledger(store)

    def committee() -> None:  # the committee signs its decision, the scrutineer records it, the count resumes
        decision = None
        contest = load_contest(world.contest_file)
        for _ in range(120):
            referred = [t for t in open_ties(Ledger(store).entries()) if t.flow_run]
            if referred and decision is None:
                decision = committee_decides(world.member_keys, world.receipt_key, contest, world.contest_file,
                                             Ledger(store, signer=world.receipt_key), "tie", eliminate="Cal Tied")
                tie = referred[0]
            if decision is not None and resume_paused_count(tie, decision.ids["decision"]):
                return
            time.sleep(1)

    answering = threading.Thread(target=committee, daemon=True)
    answering.start()
    sealed_key = count(str(world.contest_file), store.uri, pause_timeout=300)
    answering.join(timeout=5)
    return world, root, store, ledger, sealed_key.rsplit("/", 1)[1]


def test_nothing_of_a_figure_is_anywhere_before_the_declaration(counted, capfd):
    world, root, store, ledger, _ = counted
    sentinels = world.sentinels()
    assert "3141592" in sentinels and any("/" in s for s in sentinels)
    sealed_folders = [root / "store" / "inbox", root / "store" / "received", root / "store" / "sealed"]
    sealed_folders.append(root / "store" / "contests")  # the anchored contest file: public, its register's counts certified beforehand
    hits = scan_files(Path(os.environ["PREFECT_HOME"]), sentinels)
    hits += scan_sqlite(prefect_database(), sentinels)
    hits += scan_files(root / "store", sentinels, skip=sealed_folders)
    captured = capfd.readouterr()
    hits += [f"console: {s}" for s in sentinels if s in captured.out + captured.err]
    assert not hits
    # and the ledger holds procedure: the rejection names the rule, not the figures
    rejected = [e for e in ledger.entries() if e.event == "rejected"]
    assert rejected and rejected[0].reasons[0].startswith("returned-arithmetic:")


def test_the_tie_paused_the_count_and_the_committee_s_decision_is_recorded(counted):
    _, _, _, ledger, _ = counted
    events = [e.event for e in ledger.entries()]
    assert events.index("referred") < events.index("decision") < events.index("counted")
    decision = next(e for e in ledger.entries() if e.event == "decision")
    assert decision.ids["eliminate"] == "Cal Tied" and decision.ids["decided-by"].count("DRY RUN") == 3
    assert store_has_the_signed_decision(ledger, decision)


def store_has_the_signed_decision(ledger, entry) -> bool:
    from college.decisions import read_decision

    signed = read_decision(ledger.store.get(f"decisions/{entry.ids['decision']}"))
    return signed.decision.subject["eliminate"] == "Cal Tied" and len(signed.signatures) == 3


def test_two_members_cannot_open_the_result_and_a_bad_share_is_named(counted, tmp_path):
    from flows.declare import declare

    world, root, store, _, sealed_hash = counted
    two = [world.contribution(m, tmp_path, sealed_hash) for m in ("nec-chair", "cac-chair")]
    with pytest.raises(CollegeError, match="1 more needed"):
        declare.fn(str(world.contest_file), str(world.ceremony_file), [str(p) for p in two], str(tmp_path / "out"), store.uri)
    (tmp_path / "foreign").mkdir()
    foreign = World(tmp_path / "foreign", datetime.now(UTC)).contribution("procedures-secretary", tmp_path, sealed_hash)
    with pytest.raises(CollegeError, match=r"procedures-secretary"):
        declare.fn(str(world.contest_file), str(world.ceremony_file), [str(p) for p in [*two, foreign]], str(tmp_path / "out"), store.uri)
    assert not store.list("declarations/")


def test_three_members_declare_the_result_an_independent_count_gives(counted, tmp_path):
    from college.declaration import read_declaration
    from college.count.result import TieDecision
    from flows.declare import declare

    world, root, store, ledger, sealed_hash = counted
    three = [world.contribution(m, tmp_path, sealed_hash) for m in ("nec-chair", "cac-chair", "jpc-co-convenor")]
    folder = declare(str(world.contest_file), str(world.ceremony_file), [str(p) for p in three], str(tmp_path / "out"), store.uri)
    declaration = read_declaration(Path(folder) / "declaration.json")
    signed_by = next(e for e in ledger.entries() if e.event == "decision").ids["decided-by"]
    assert declaration.result == world.expected([TieDecision(round=1, eliminate="Cal Tied", decided_by=signed_by)])
    assert declaration.result.tie_breaks[0].method.value == "refer"
    assert sorted(declaration.declared_by) == sorted(world.committee.member(m).name for m in ("nec-chair", "cac-chair", "jpc-co-convenor"))
    assert not declaration.dry_run
    # the sentinels are real figures: after the declaration they are published
    published = (Path(folder) / "declaration.json").read_text()
    assert all(s in published for s in ("3141592", "5772156", "1202056"))
    assert [e.event for e in ledger.entries()][-1] == "declared"
    assert (Path(folder) / "reports" / "report.html").is_file() and (Path(folder) / "bundle" / "manifest.json").is_file()


def test_declaring_again_publishes_the_declaration_the_ledger_records_and_overwrites_nothing_else(counted, tmp_path):
    """A second `college declare` (a re-run after a crash, or by mistake) built a second declaration with another
    time, kept it beside the first and wrote it over the published one, though the ledger names the first."""
    from college.signing import digest
    from flows.declare import declare

    world, root, store, ledger, sealed_hash = counted
    three = [str(world.contribution(m, tmp_path, sealed_hash)) for m in ("nec-chair", "cac-chair", "jpc-co-convenor")]
    first = Path(declare(str(world.contest_file), str(world.ceremony_file), three, str(tmp_path / "one"), store.uri))
    again = Path(declare(str(world.contest_file), str(world.ceremony_file), three, str(tmp_path / "two"), store.uri))
    declared = [e for e in Ledger(store).entries() if e.event == "declared"]
    assert len(declared) == 1 and len(store.list("declarations/")) == 1
    for folder in (first, again):
        assert digest((folder / "declaration.json").read_bytes()) == declared[0].object_hash
    other = tmp_path / "other"
    other.mkdir()
    (other / "declaration.json").write_text("{}")
    with pytest.raises(CollegeError, match="already holds another declaration"):
        declare.fn(str(world.contest_file), str(world.ceremony_file), three, str(other), store.uri)
    assert (other / "declaration.json").read_text() == "{}" and not (other / "reports").exists()
