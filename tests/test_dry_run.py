"""A dry run with faults through the real flows: each fault caught with its reason, nothing lost,
every output marked DRY RUN, and the declared result the same as an independent count."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from college.count.rules import count
from college.declaration import read_declaration
from college.profile import from_rows
from college.recount import verify_bundle
from college.dry_run.rehearsal import FAULTS, with_tie
from college.dry_run.simulation import simulate
from college.store import store_from
from college.cli.declare import production_stages
from flows.dry_run import dry_run
from tests.test_store import aws, moto_server  # noqa: F401  (moto's server on a free loopback port)


def independent_count(declaration, ballots):
    """Count the generated ballots of the bodies counted directly: no returns, no sealing, no flows."""
    counted = {b.id for b in declaration.bodies}
    rows = defaultdict(list)
    for ballot in ballots:
        if ballot.body.id in counted:
            rows[ballot.body.section] += [(tuple((n,) for n in row.ranking), row.count) for row in ballot.rows]
    profiles = {section: from_rows(r) for section, r in rows.items()}
    return count(declaration.contest, profiles, declaration.procedure.tie_decisions)


@pytest.fixture(scope="module")
def faulty_run(prefect_server, tmp_path_factory):
    return dry_run(tmp_path_factory.mktemp("dry"), production_stages(), seed=11, scale="small", faults=True)


def test_every_fault_is_caught_with_its_reason_and_every_check_holds(faulty_run):
    failed = [(c.what, c.expected, c.found) for c in faulty_run.checks if not c.ok]
    assert not failed
    labels = " ".join(c.what for c in faulty_run.checks)
    for fault in FAULTS:
        assert fault.split("-")[0] in labels, fault
    rejected = {c.what: c.found for c in faulty_run.checks if c.expected.startswith("rejected")}
    assert sorted(f.split(": ")[1] for f in rejected.values()) == [
        "declaration-missing", "envelope-signature", "key-id", "returned-arithmetic",
    ]
    # The returns went through the service over HTTP: it refused at the door the files not signed
    # by the registered key (nothing of them stored), and ingest decided on the rest.
    refused = {c.what for c in faulty_run.checks if c.reason.startswith("refused by the service")}
    assert {w.split(" ")[1] for w in refused} == {"(tampered)", "(wrong-key)"}
    assert next(c for c in faulty_run.checks if c.what.startswith("files refused")).found == "0 stored"
    assert list((faulty_run.folder / "store" / "receipts").iterdir())


def test_every_output_says_dry_run(faulty_run):
    published = faulty_run.folder / "published"
    declaration = read_declaration(published / "declaration.json")
    assert declaration.dry_run
    assert "DRY RUN" in (published / "reports" / "report.html").read_text(encoding="utf-8")
    assert "DRY RUN" in (published / "reports" / "nec-report.html").read_text(encoding="utf-8")
    assert json.loads((published / "bundle" / "manifest.json").read_text())["watermark"] == "DRY RUN"
    assert (faulty_run.folder / "contest.toml").read_text().startswith("# DRY RUN")


def test_the_declared_result_is_an_independent_count_of_the_same_ballots(faulty_run):
    declaration = read_declaration(faulty_run.folder / "published" / "declaration.json")
    # The figures repeat from the seed the contest is named for; the tie fault gives two more candidates equal support.
    seed = int(declaration.contest_id.removeprefix("dry-run-"))
    simulation = with_tie(simulate(seed, "small", 5), declaration.result.candidates[-2:])
    assert independent_count(declaration, simulation.ballots) == declaration.result
    assert declaration.procedure.tie_decisions, "the tie was referred to the committee and its decision recorded"
    assert declaration.result.tie_breaks[0].method.value == "refer"


def test_the_published_bundle_recounts_to_the_declared_result(faulty_run):
    verification = verify_bundle(faulty_run.folder / "published" / "bundle")
    assert verification.matches, verification


@pytest.mark.slow
def test_a_dry_run_on_s3_through_moto_s_server(prefect_server, tmp_path, aws, moto_server, monkeypatch):  # noqa: F811
    from college.store import create_bucket, s3_client

    monkeypatch.setenv("COLLEGE_S3_ENDPOINT_URL", moto_server)
    create_bucket(s3_client(moto_server), "college-dry-run", object_lock=True)
    run = dry_run(tmp_path, production_stages(), seed=5, scale="small", faults=True, store="s3://college-dry-run/rehearsal")
    assert run.ok, [(c.what, c.expected, c.found) for c in run.checks if not c.ok]
    store = store_from("s3://college-dry-run/rehearsal")
    assert store.list("sealed/") and store.list("declarations/") and store.list("ledger/")
