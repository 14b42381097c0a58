"""The import contract (issue 14, pyproject.toml's [tool.importlinter]): college's layers
follow the pipeline, its core never imports Prefect or the flows, no flow imports another,
and no package has an import cycle. import-linter checks it; a broken contract fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contract_holds():
    run = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
