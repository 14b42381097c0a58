"""The RCTab `2013_minneapolis_mayor_scale` case as ballot-level Parquet and a contest file.

The corpus holds the 1,041,313 papers as distinct rankings with counts
(../shared/conformance/rctab/README.md); the benchmark writes one row per paper, as a
returning body would send them, so the count reads a million rows like any other file.
The case's rules map onto the contest: overvotes exhaust, one skipped rank is allowed,
batch elimination; undeclared write-ins ("#UWI") stand as one more candidate. RCTab
breaks ties at random with Java's generator; the contest uses candidate order instead.
An overvote the CVR does not name ("#OVERVOTE") is written as two names in one cell,
which reads the same under the exhaust rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

CASE = Path(__file__).resolve().parents[2] / "shared/conformance/rctab/cases/2013_minneapolis_mayor_scale.json"


def _cell(mark: list[str], candidates: list[str]) -> str | None:
    if not mark:
        return None
    if mark == ["#OVERVOTE"]:
        return "|".join(candidates[:2])
    return "|".join(mark)


def write(folder: Path) -> tuple[Path, Path, dict]:
    """The contest file, the papers, and what RCTab found (the case's `expected`)."""
    case = json.loads(CASE.read_text(encoding="utf-8"))
    candidates = case["candidates"] + (["#UWI"] if case["undeclared_write_ins"] else [])
    folder.mkdir(parents=True, exist_ok=True)
    contest = folder / "minneapolis.toml"
    contest.write_text(
        "\n".join(
            [
                'id = "minneapolis-2013"',
                'position = "Mayor"',
                f"candidates = {json.dumps(candidates)}",
                'tie_policy = ["candidate-order"]',
                "batch_elimination = true",
                "[ballots]",
                'overvote = "exhaust"',
                "max_skipped_ranks = 1",
                "[[sections]]",
                'id = "voters"',
                'name = "Voters"',
                'weight = "1"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    papers = folder / "minneapolis.parquet"
    if not papers.exists():
        width = max(len(b["ranking"]) for b in case["ballots"])
        rows = [
            [_cell(mark, candidates) for mark in b["ranking"]] + [None] * (width - len(b["ranking"]))
            for b in case["ballots"]
        ]
        distinct = pl.DataFrame(
            {f"rank{i + 1}": [row[i] for row in rows] for i in range(width)},
            schema={f"rank{i + 1}": pl.String for i in range(width)},
        ).with_columns(pl.Series("n", [b["count"] for b in case["ballots"]], dtype=pl.Int64))
        # One row per paper, in a shuffled but fixed order.
        expanded = distinct.select(pl.all().exclude("n").repeat_by(pl.col("n")).explode())
        expanded.sample(fraction=1.0, shuffle=True, seed=2013).write_parquet(papers)
    return contest, papers, case["expected"]
