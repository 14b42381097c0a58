"""Issue 15, the seams an operator trips on: each tried as the operator would try it.

Keys from `keygen` to a flow with no openssl; preconditions checked before Prefect starts,
in one line; no traceback from a failed flow; `submit` and `status` on a store never set up;
the small things (keygen's folder and output, the passphrase, --version, delimiters, status
at 80 columns, ceremony contribute checking the sealed result).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomlkit
from typer.testing import CliRunner

from college.cli import app
from college.errors import CollegeError
from college.preconditions import set_up_store
from college.profile import read_profile
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from college.signing import private_text, public_text, read_private_key
from college.store import LocalStore
from tests.helpers import contest as small_contest
from tests.ingest_world import SENTINEL_FIGURES, ingest_without_prefect, make_college, put_at

PASSPHRASE = {"COLLEGE_KEY_PASSPHRASE": "a passphrase"}


def on_time() -> datetime:
    """When a return on time is received: after it was made (an hour before now), before the deadline
    (five minutes before the fixture's now), however long the suite has run."""
    return datetime.now(UTC) - timedelta(minutes=30)


def run(*args, env=None, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, input=input)


def one_line_error(result) -> bool:
    return result.exit_code == 2 and result.output.startswith("error: ") and result.output.count("\n") == 1


# --- keys ---------------------------------------------------------------------------------


def test_keygen_prints_only_the_contest_files_line_and_makes_its_folder(tmp_path):
    made = run("committee", "keygen", "--id", "nec-chair", "--name", "N. Chair", "--role", "Chair of the NEC",
               "--out-dir", tmp_path / "new" / "keys", env=PASSPHRASE)
    assert made.exit_code == 0, made.output
    assert (tmp_path / "new" / "keys" / "nec-chair.signing.key").is_file()
    member = tomllib.loads(made.stdout)["committee"]["members"][0]
    assert member["id"] == "nec-chair" and len(member["share_key"]) == 44
    key = run("keygen", tmp_path / "body.key", env=PASSPHRASE)
    assert tomllib.loads(key.stdout) == {"public_key": tomllib.loads(key.stdout)["public_key"]}


def test_no_passphrase_and_no_terminal_is_one_line(tmp_path):
    for args in (["keygen", tmp_path / "k.key"], ["committee", "keygen", "--id", "a", "--name", "A", "--role", "r"]):
        result = run(*args, env={"COLLEGE_KEY_PASSPHRASE": ""}, input="")
        assert one_line_error(result) and "COLLEGE_KEY_PASSPHRASE" in result.output, result.output
    assert "--passphrase" not in run("committee", "keygen", "--help").output
    assert "--passphrase" not in run("ceremony", "contribute", "--help").output


def test_a_key_file_goes_to_the_flows_with_secrets_export_and_a_key_file_given_as_it_is_is_named(tmp_path, monkeypatch):
    from flows.secrets import count_key, receipt_key

    assert run("keygen", tmp_path / "count.key", "--count", env=PASSPHRASE).exit_code == 0
    assert run("keygen", tmp_path / "scrutineer.key", env=PASSPHRASE).exit_code == 0
    exported = run("secrets", "export", tmp_path / "count.key", env=PASSPHRASE)
    assert exported.exit_code == 0
    monkeypatch.setenv("COLLEGE_COUNT_KEY", exported.stdout.strip())
    assert private_text(count_key()) == private_text(read_private_key(tmp_path / "count.key", "a passphrase"))
    monkeypatch.setenv("COLLEGE_RECEIPT_KEY", run("secrets", "export", tmp_path / "scrutineer.key", env=PASSPHRASE).stdout)
    assert receipt_key()
    for variable, loader in (("COLLEGE_COUNT_KEY", count_key), ("COLLEGE_RECEIPT_KEY", receipt_key)):
        monkeypatch.setenv(variable, (tmp_path / ("count.key" if "COUNT" in variable else "scrutineer.key")).read_text())
        with pytest.raises(CollegeError, match="college secrets export"):
            loader()


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("college ")


# --- the store ------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path, monkeypatch):
    college = make_college(tmp_path, bodies=3, deadline=datetime.now(UTC) - timedelta(minutes=5))
    for name, value in college.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("COLLEGE_STORE", raising=False)
    store = LocalStore(tmp_path / "store")
    set_up_store(store, college.contest.id, datetime.now(UTC))
    return college, store


def test_submit_refuses_a_clear_return_and_a_store_never_set_up(world, tmp_path):
    college, store = world
    clear = tmp_path / "return.json"
    body = college.contest.register[0]
    clear.write_text(json.dumps(college.document(body.id)))  # a return, unsealed: its figures in clear
    refused = run("submit", clear, "--store", store.root)
    assert one_line_error(refused) and "not a sealed return" in refused.output and store.list("inbox/") == []
    sealed = tmp_path / "s.sealed"
    sealed.write_bytes(college.sealed(body.id))
    mistyped = run("submit", sealed, "--store", tmp_path / "stroe")
    assert one_line_error(mistyped) and "college store init" in mistyped.output and not (tmp_path / "stroe").exists()
    assert run("submit", sealed, "--store", store.root).exit_code == 0


def test_status_on_a_store_that_does_not_exist_is_an_error(world, tmp_path):
    college, _ = world
    result = run("status", college.contest_file, "--store", tmp_path / "nowhere")
    assert one_line_error(result) and "college store init" in result.output


def test_status_reads_at_80_columns(world):
    college, store = world
    put_at(store, "inbox/1.sealed", college.sealed("society-01"), on_time())
    put_at(store, "inbox/2.sealed", college.sealed("society-02", papers_returned=1), on_time())
    ingest_without_prefect(college.contest, store)
    result = CliRunner().invoke(app, ["status", str(college.contest_file), "--store", str(store.root)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    table = result.output.split("missing:")[0]
    lines = [line for line in table.splitlines() if "│" in line or "|" in line]
    assert all(len(line) <= 80 for line in result.output.splitlines() if "rejected society" not in line)
    for body, state in (("society-01", "accepted"), ("society-02", "rejected"), ("society-03", "missing")):
        assert any(body in line and state in line for line in lines), table
    assert not any(figure in result.output for figure in SENTINEL_FIGURES)


# --- ballot data ----------------------------------------------------------------------------


def _csv(path: Path, delimiter: str) -> Path:
    rows = [["rank1", "rank2", "rank3"], ["A", "B", ""], ["B", "", ""], ["C", "A", "B"]]
    path.write_text("\n".join(delimiter.join(row) for row in rows) + "\n")
    return path


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_delimited_by_semicolons_or_tabs_is_read(tmp_path, delimiter):
    contest = small_contest("ABC")
    commas = read_profile(_csv(tmp_path / "commas.csv", ","), contest)
    assert read_profile(_csv(tmp_path / "other.csv", delimiter), contest).rankings == commas.rankings


# --- the flow commands: preconditions before Prefect, and no traceback -------------------------


def _cli(args, env, cwd) -> subprocess.CompletedProcess:
    college = Path(sys.executable).with_name("college")
    return subprocess.run([str(college), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def counted_world(world, tmp_path):
    """Two returns accepted and one missing, after the deadline; a separate Prefect home for the commands."""
    college, store = world
    for n, body in enumerate(["society-01", "society-02"]):
        put_at(store, f"inbox/{n}.sealed", college.sealed(body), on_time())
    data = tomlkit.parse(college.contest_file.read_text())
    data["declaration_public_key"] = public_text(X25519PrivateKey.generate())  # as the key ceremony writes it
    college.contest_file.write_text(tomlkit.dumps(data))
    env = os.environ | college.environment() | {"PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "80"}
    env.pop("PREFECT_API_URL", None)
    return college, store, env


def test_preconditions_are_one_line_before_prefect_starts(counted_world, tmp_path):
    college, store, env = counted_world
    wrong = env | {"COLLEGE_COUNT_KEY": private_text(make_college(tmp_path / "other").count_key)}
    result = _cli(["ingest", college.contest_file, "--store", store.root], wrong, tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "does not open these returns" in result.stderr
    ingest_without_prefect(college.contest, store)
    early = _cli(["tally", college.contest_file, "--store", store.root], env, tmp_path)
    assert early.returncode == 2 and early.stderr.count("\n") == 1 and "society-03" in early.stderr  # missing, no decision
    assert not (tmp_path / "prefect").exists()  # nothing above started Prefect


@pytest.mark.slow
def test_an_embargoed_step_that_fails_names_the_step_and_a_cause_and_shows_no_traceback(counted_world, tmp_path):
    """A received file changed on disk after it was accepted: the count's step says which, in one line."""
    from flows.dry_run import committee_decides
    from college.ledger import Ledger

    college, store, env = counted_world
    ingest_without_prefect(college.contest, store)
    committee_decides(college.member_keys, college.receipt_key, college.contest, college.contest_file,
                      Ledger(store, signer=college.receipt_key), "proceed")
    stored = next(p for p in (store.root / "received").iterdir())
    stored.chmod(0o644)
    stored.write_bytes(college.sealed("society-01", signer=college.keys["society-02"]))
    result = _cli(["tally", college.contest_file, "--store", store.root], env, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "open, tally and seal: the return counting for" in result.stderr and "no longer checks" in result.stderr


def test_secrets_block_puts_a_key_file_into_a_prefect_secret_block_the_flows_read(prefect_server, tmp_path, monkeypatch):
    from flows.secrets import receipt_key

    assert run("keygen", tmp_path / "scrutineer.key", env=PASSPHRASE).exit_code == 0
    made = run("secrets", "block", tmp_path / "scrutineer.key", "--name", "walkthrough-receipt-key", env=PASSPHRASE)
    assert made.exit_code == 0, made.output
    assert "export COLLEGE_RECEIPT_KEY_BLOCK=walkthrough-receipt-key" in made.stdout
    monkeypatch.delenv("COLLEGE_RECEIPT_KEY", raising=False)
    monkeypatch.setenv("COLLEGE_RECEIPT_KEY_BLOCK", "walkthrough-receipt-key")
    assert private_text(receipt_key()) == private_text(read_private_key(tmp_path / "scrutineer.key", "a passphrase"))
    again = run("secrets", "block", tmp_path / "scrutineer.key", "--name", "walkthrough-receipt-key", env=PASSPHRASE)
    assert one_line_error(again) and "nothing was replaced" in again.output


# --- the receipt key: one key signs every receipt and checkpoint of a contest ------------------


def test_the_count_key_given_as_the_receipt_key_is_refused_before_anything_is_signed(world, tmp_path):
    """Both are base64 of 32 bytes, so swapped variables parsed: receipts and checkpoints were then signed,
    write-once, by a key nobody could check them with, and the ledger never verified again."""
    college, store = world
    put_at(store, "inbox/1.sealed", college.sealed("society-01"), on_time())
    swapped = college.environment() | {"COLLEGE_RECEIPT_KEY": private_text(college.count_key)}
    for command in ("ingest", "tally"):
        result = run(command, college.contest_file, "--store", store.root, env=swapped)
        assert one_line_error(result), result.output
        assert "COLLEGE_RECEIPT_KEY" in result.output and "count key" in result.output, result.output
    assert store.list("ledger/") == [] and store.list("checkpoints/") == []


def test_a_receipt_key_other_than_the_one_that_signed_the_stores_checkpoints_is_refused(world, tmp_path):
    from college.anchor import check_contest
    from college.ledger import Ledger
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    college, store = world
    check_contest(Ledger(store, signer=college.receipt_key), college.contest, college.contest_file.read_bytes(),
                  str(college.contest_file))
    assert store.list("checkpoints/")
    other = college.environment() | {"COLLEGE_RECEIPT_KEY": private_text(Ed25519PrivateKey.generate())}
    for command in ("ingest", "tally"):
        result = run(command, college.contest_file, "--store", store.root, env=other)
        assert one_line_error(result), result.output
        assert "COLLEGE_RECEIPT_KEY" in result.output and "checkpoints" in result.output, result.output
    assert len(store.list("checkpoints/")) == 1


def test_the_count_refuses_while_a_return_received_by_the_deadline_waits_in_the_inbox(counted_world, tmp_path):
    """society-03's return arrived on time but ingest has not run since: counting then would leave it out (and
    the committee's decision to proceed without society-03 would count without a return it had)."""
    from college.ledger import Ledger
    from flows.dry_run import committee_decides

    college, store, env = counted_world
    ingest_without_prefect(college.contest, store)
    committee_decides(college.member_keys, college.receipt_key, college.contest, college.contest_file,
                      Ledger(store, signer=college.receipt_key), "proceed")
    put_at(store, "inbox/3.sealed", college.sealed("society-03"), on_time())
    result = run("tally", college.contest_file, "--store", store.root, env=college.environment())
    assert one_line_error(result), result.output
    assert "inbox" in result.output and "college ingest" in result.output
    assert store.list("sealed/") == []


def test_no_count_after_the_declaration(counted_world, tmp_path):
    """A tally run after the declaration sealed a second result, which `declare` would then have declared too."""
    from college.ledger import Ledger
    from flows.dry_run import committee_decides

    college, store, env = counted_world
    ingest_without_prefect(college.contest, store)
    ledger = Ledger(store, signer=college.receipt_key)
    committee_decides(college.member_keys, college.receipt_key, college.contest, college.contest_file, ledger, "proceed")
    ledger.append("counted", object_hash="a" * 64, once_key="counted:" + "a" * 64)
    ledger.append("declared", object_hash="b" * 64, once_key="declared:" + "a" * 64)
    result = run("tally", college.contest_file, "--store", store.root, env=college.environment())
    assert one_line_error(result), result.output
    assert "declared" in result.output and store.list("sealed/") == []


def test_the_help_of_each_flow_command_names_the_keys_it_needs():
    """A new operator reads --help first: the keys come from the environment, and nothing else says which."""
    for command, variables in (("ingest", ("COLLEGE_COUNT_KEY", "COLLEGE_RECEIPT_KEY")),
                               ("tally", ("COLLEGE_COUNT_KEY", "COLLEGE_RECEIPT_KEY")),
                               ("declare", ("COLLEGE_RECEIPT_KEY",))):
        shown = " ".join(run(command, "--help", env={"COLUMNS": "200"}).output.split())
        assert all(v in shown for v in variables) and "college secrets export" in shown, (command, shown)


def test_a_path_the_system_refuses_is_one_line_naming_it(tmp_path, repo):
    """An --out into a folder that is not there, or onto a file, said 'unexpected FileNotFoundError; please report
    it' (exit 3), naming nothing."""
    missing = run("keygen", tmp_path / "no-such-folder" / "k.key", env=PASSPHRASE)
    assert one_line_error(missing) and f"{tmp_path / 'no-such-folder' / 'k.key'}: " in missing.output, missing.output
    assert "unexpected" not in missing.output
    a_file = tmp_path / "contest.toml"
    a_file.write_text("kept")
    onto = run("nominations", "publish", repo / "examples" / "2010-leader-nominations" / "nominations.toml",
               "--out", a_file)
    assert one_line_error(onto) and str(a_file) in onto.output and "unexpected" not in onto.output, onto.output
    assert a_file.read_text() == "kept"


def test_a_store_set_up_for_another_contest_is_refused_by_name(world, tmp_path):
    """`store init` said the store 'was already set up for' the new contest's id, and `status` showed the other
    contest's ledger under this contest's name; the flows refused only on the contest file's hash."""
    college, store = world
    other = tmp_path / "other.toml"
    other.write_text(college.contest_file.read_text().replace('id = "ingest-test"', 'id = "another-contest"'))
    assert 'id = "another-contest"' in other.read_text()
    for args in (["store", "init", other], ["status", other], ["ingest", other], ["tally", other]):
        result = run(*args, "--store", store.root, env=college.environment())
        assert one_line_error(result), (args, result.output)
        assert "set up for ingest-test" in result.output and "another-contest" in result.output, result.output
    again = run("store", "init", college.contest_file, "--store", store.root)
    assert again.exit_code == 0 and "already set up for ingest-test" in again.output


def test_status_says_when_the_contest_file_given_is_not_the_one_the_count_runs_on(world):
    """Status printed the anchored file's hash under an edited file's table, and nothing said they differ."""
    from college.anchor import check_contest
    from college.ledger import Ledger

    college, store = world
    check_contest(Ledger(store), college.contest, college.contest_file.read_bytes(), str(college.contest_file))
    assert "differs" not in run("status", college.contest_file, "--store", store.root).output
    college.contest_file.write_text(college.contest_file.read_text() + "\n# edited after the count began\n")
    result = run("status", college.contest_file, "--store", store.root)
    assert result.exit_code == 0, result.output
    assert f"warning: {college.contest_file} differs from the contest file anchored in the ledger" in " ".join(result.output.split())


def test_the_flows_refuse_a_receipt_key_other_than_the_one_that_signed_the_checkpoints(world, monkeypatch):
    """A deployment runs the flows without the command line: a Secret block swapped there signed, write-once,
    receipts and checkpoints nobody could check."""
    from college.anchor import check_contest
    from college.ledger import Ledger
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from flows.count import count
    from flows.ingest import ingest

    college, store = world
    check_contest(Ledger(store, signer=college.receipt_key), college.contest, college.contest_file.read_bytes(),
                  str(college.contest_file))
    monkeypatch.setenv("COLLEGE_RECEIPT_KEY", private_text(Ed25519PrivateKey.generate()))
    for flow in (ingest, count):
        with pytest.raises(CollegeError, match="checkpoints"):
            flow.fn(str(college.contest_file), str(store.root))
    assert len(store.list("checkpoints/")) == 1 and len(store.list("ledger/")) == 1


def test_ledger_and_receipt_commands_refuse_a_store_never_set_up(world, tmp_path):
    """A body checking the ledger with a mistyped store was told 'the ledger ... is empty' and exit 0."""
    college, _ = world
    key = public_text(college.receipt_key)
    for args in (["ledger", "verify", "--key", key], ["ledger", "show"]):
        result = run(*args, "--store", tmp_path / "stroe")
        assert one_line_error(result) and "college store init" in result.output, (args, result.output)
    assert not (tmp_path / "stroe").exists()


def test_an_object_under_checkpoints_that_is_not_one_does_not_decide_the_receipt_key(world):
    """The receipt key is held to the store's first checkpoint; a foreign object sorting first is not that."""
    from college.anchor import check_contest
    from college.ledger import Ledger
    from college.preconditions import check_receipt_key

    college, store = world
    ledger = Ledger(store, signer=college.receipt_key)
    check_contest(ledger, college.contest, college.contest_file.read_bytes(), str(college.contest_file))
    store.put("checkpoints/0.json", b"not a checkpoint")
    check_receipt_key(ledger, college.receipt_key, college.count_key)


def test_submit_that_waited_in_vain_says_why_it_exits_1(world, tmp_path):
    """It exited 1 after --wait with only 'the receipt will be at ... once ingest has run', no word of a failure."""
    college, store = world
    sealed = tmp_path / "s.sealed"
    sealed.write_bytes(college.sealed("society-01"))
    result = run("submit", sealed, "--store", store.root, "--wait", "0.2")
    assert result.exit_code == 1
    assert "no receipt after 0.2 s" in result.output and "ingest has not run" in result.output, result.output
