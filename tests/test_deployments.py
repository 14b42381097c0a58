"""deployments/prefect.yaml: every entrypoint imports, and `prefect deploy --all` accepts the file
against a temporary local server, with the schedules and the ingest trigger it declares."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import yaml
from prefect.flows import Flow

from tests.conftest import REPO

PREFECT_YAML = REPO / "deployments" / "prefect.yaml"
PREFECT = Path(sys.executable).with_name("prefect")


def deployments() -> list[dict]:
    return yaml.safe_load(PREFECT_YAML.read_text())["deployments"]


def test_every_entrypoint_is_a_flow_that_imports():
    names = set()
    for deployment in deployments():
        path, function = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, function), Flow), deployment["entrypoint"]
        names.add(deployment["name"])
    assert names == {"nominations", "ingest", "count", "declare"}


def test_every_variable_the_file_uses_is_documented_in_it():
    import re

    text = PREFECT_YAML.read_text()
    documented = set(re.findall(r"^#\s+(COLLEGE_[A-Z_]+)", text, flags=re.M))
    assert set(re.findall(r"\$(COLLEGE_[A-Z_]+)", text)) <= documented
    assert {"COLLEGE_STORE", "COLLEGE_COUNT_KEY_BLOCK", "COLLEGE_RECEIPT_KEY_BLOCK"} <= documented


def test_parameters_are_paths_only():
    for deployment in deployments():
        for value in deployment.get("parameters", {}).values():
            assert value.startswith("{{ $COLLEGE_"), (deployment["name"], value)


def test_prefect_deploy_accepts_the_file(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings

    env = os.environ | {
        "PREFECT_API_URL": get_current_settings().api.url,
        "COLLEGE_REPO": str(REPO),
        "COLLEGE_CONTEST": str(tmp_path / "contest.toml"),
        "COLLEGE_NOMINATIONS": str(tmp_path / "nominations.toml"),
        "COLLEGE_NOMINATIONS_OUT": str(tmp_path / "published"),
        "COLLEGE_CEREMONY": str(tmp_path / "ceremony.json"),
        "COLLEGE_PUBLISHED": str(tmp_path / "declared"),
    }

    def prefect(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(PREFECT), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

    assert prefect("work-pool", "create", "college-process", "--type", "process").returncode == 0
    done = prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_YAML))
    assert done.returncode == 0, done.stdout + done.stderr

    with get_client(sync_client=True) as client:
        made = {d.name: d for d in client.read_deployments()}
        automations = client.read_automations()
    assert set(made) >= {"nominations", "ingest", "count", "declare"}
    assert made["ingest"].parameters == {"contest_file": str(tmp_path / "contest.toml")}
    assert made["ingest"].work_pool_name == "college-process"
    assert [s.schedule.interval.total_seconds() for s in made["ingest"].schedules] == [60]
    assert made["count"].schedules == []
    # the declaration runs with the contributions the members put into the store
    assert made["declare"].parameters == {"contest_file": str(tmp_path / "contest.toml"),
                                          "ceremony_file": str(tmp_path / "ceremony.json"), "out": str(tmp_path / "declared")}
    triggers = [a.trigger for a in automations if str(made["ingest"].id) in a.model_dump_json()]
    assert [list(t.expect) for t in triggers] == [["college.inbox.object-created"]]
