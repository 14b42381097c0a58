"""The operator's walk-through (docs/roles/walkthrough.md) run as a new operator would run it.

The commands are read from the page itself, every ```bash block in order, and run in one
bash shell per section in an empty folder, with `college` from this checkout on the PATH.
If the page and the commands drift apart, this fails. The only things the test adds are
what a person brings: the passphrase (COLLEGE_KEY_PASSPHRASE, as a script would give it),
their own Prefect home, and time: before section 7 the contest's deadline (a date in the
future on the page) is moved to a moment just past, as if the returns period had ended.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "roles" / "walkthrough.md"
DEADLINE_ON_PAGE = "2027-09-01T12:00:00+01:00"
AFTER_THE_DEADLINE = "## 7."


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, the section's bash commands) for each section with commands, in order."""
    found = []
    for part in re.split(r"^(?=## )", text, flags=re.M):
        blocks = re.findall(r"^```bash\n(.*?)^```", part, flags=re.M | re.S)
        if blocks:
            found.append((part.splitlines()[0], "\n".join(blocks)))
    return found


def test_the_page_has_every_step_from_keygen_to_the_declaration():
    text = PAGE.read_text()
    commands = "\n".join(block for _, block in sections(text))
    for step in ("college keygen", "college committee keygen", "college ceremony run", "college store init",
                 "college return build", "college return seal", "college submit", "college secrets export",
                 "college ingest", "college status", "college tally", "college ceremony contribute", "college declare"):
        assert step in commands, step
    assert DEADLINE_ON_PAGE in text and "openssl" not in commands and "--passphrase" not in commands


@pytest.mark.slow
def test_the_documented_commands_take_a_new_operator_from_keygen_to_the_declaration(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "COLLEGE_KEY_PASSPHRASE": "a passphrase for the walk-through",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "LANG": "C.UTF-8",
        "COLUMNS": "80",
    }
    folder = tmp_path / "count"
    folder.mkdir()
    found = sections(PAGE.read_text())
    cut = next(n for n, (heading, _) in enumerate(found) if heading.startswith(AFTER_THE_DEADLINE))
    transcript = []
    # One shell for the returns period, one after the deadline (what one section exports, the next has).
    for phase, part in enumerate((found[:cut], found[cut:])):
        if phase == 1:
            contest = folder / "contest.toml"
            deadline = datetime.now(UTC) + timedelta(seconds=1)
            contest.write_text(contest.read_text().replace(DEADLINE_ON_PAGE, deadline.isoformat(timespec="seconds")))
            time.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 1.5)
        script = "\n".join(f"echo {shlex.quote(heading)}\n{commands}" for heading, commands in part)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=env,
                             capture_output=True, text=True, timeout=900)
        transcript.append(run.stdout + run.stderr)
        assert run.returncode == 0, "\n".join(transcript)
        assert "Traceback" not in run.stdout + run.stderr, "\n".join(transcript)
    after = transcript[1]
    assert "elected: Ann Example" in after
    before_the_declaration = after[: after.index("## 8.")]
    assert "accepted" in before_the_declaration
    assert not any(name in before_the_declaration for name in ("Ann Example", "Bob Example", "Cat Example"))
    assert (folder / "published" / "reports").is_dir() and (folder / "published" / "bundle").is_dir()
