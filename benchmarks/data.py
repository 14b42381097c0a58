"""Deterministic ballot-level data for the benchmark (seeded: every run writes the same files).

Papers rank 8 candidates the way postal ballots do: each section has two or three
blocs with their own favourites, each paper is a draw from its bloc's preferences
(Plackett-Luce, by the Gumbel-max trick), most papers rank only a few candidates,
and a few in a thousand carry a gap or an overvote.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

CANDIDATES = ["Ashworth", "Bennett", "Carver", "Dalton", "Ellison", "Foster", "Gray", "Hughes"]
# How many candidates a paper ranks: 1..8 (many stop early, some rank everyone).
DEPTH = np.array([0.22, 0.20, 0.16, 0.12, 0.08, 0.06, 0.04, 0.12])
# Each section's blocs: (share of papers, popularity of each candidate).
BLOCS = {
    "plp": [(0.5, [9, 6, 3, 2, 1, 1, 0.5, 0.5]), (0.5, [3, 8, 6, 1, 1, 2, 0.5, 1])],
    "members": [(0.45, [8, 5, 4, 2, 1, 1, 1, 0.5]), (0.35, [4, 9, 2, 3, 1, 0.5, 1, 1]), (0.2, [2, 2, 8, 1, 3, 1, 1, 1])],
    "affiliates": [(0.6, [5, 7, 6, 2, 1, 1, 1, 1]), (0.4, [7, 3, 2, 4, 2, 1, 1, 0.5])],
}
PLP_PAPERS = 400
AFFILIATE_FILES = 4  # several returning bodies' files for one section, summed by the count

CONTEST = """id = "bench"
position = "Leader"
candidates = {candidates}
tie_policy = ["previous-rounds", "lot"]
lot_seed = "benchmark"

[[sections]]
id = "plp"
name = "PLP and EPLP"
weight = "1/3"

[[sections]]
id = "members"
name = "Members"
weight = "1/3"

[[sections]]
id = "affiliates"
name = "Affiliates"
weight = "1/3"
"""


def _papers(rng: np.random.Generator, section: str, n: int, clean: bool = False) -> pl.DataFrame:
    """`n` papers; `clean` leaves out gaps and overvotes (for tools that cannot read them)."""
    blocs = BLOCS[section]
    which = rng.choice(len(blocs), size=n, p=[share for share, _ in blocs])
    logits = np.log(np.array([weights for _, weights in blocs], dtype=np.float64))[which]
    order = np.argsort(-(logits + rng.gumbel(size=(n, len(CANDIDATES)))), axis=1).astype(np.int8)
    depth = rng.choice(len(DEPTH), size=n, p=DEPTH) + 1
    order[np.arange(len(CANDIDATES))[None, :] >= depth[:, None]] = -1
    gap = rng.random(n) < (0 if clean else 0.002)  # a missing preference: the paper stops there by default
    order[gap, 1] = np.where(order[gap, 2] >= 0, -1, order[gap, 1])
    names = pl.Series(CANDIDATES + [None], dtype=pl.String)
    columns = {f"rank{i + 1}": names.gather(np.where(order[:, i] < 0, len(CANDIDATES), order[:, i])) for i in range(len(CANDIDATES))}
    frame = pl.DataFrame(columns)
    over = rng.random(n) < (0 if clean else 0.001)  # two names marked at one preference
    return frame.with_columns(
        pl.when(pl.Series(over) & pl.col("rank1").is_not_null() & pl.col("rank2").is_not_null())
        .then(pl.concat_str("rank1", pl.lit("|"), "rank2"))
        .otherwise(pl.col("rank1"))
        .alias("rank1")
    )


def write_contest(folder: Path) -> Path:
    path = folder / "contest.toml"
    path.write_text(CONTEST.format(candidates=json.dumps(CANDIDATES)), encoding="utf-8")
    return path


def three_sections(folder: Path, papers: int, seed: int = 2024) -> dict[str, list[Path]]:
    """Parquet files of `papers` papers: the PLP, the members, and the affiliates in several files."""
    folder.mkdir(parents=True, exist_ok=True)
    members = (papers - PLP_PAPERS) * 2 // 5
    sizes = {"plp": [PLP_PAPERS], "members": [members]}
    rest = papers - PLP_PAPERS - members
    cuts = [rest * k // 10 for k in (0, 5, 8, 9, 10)]  # four bodies: 50%, 30%, 10%, 10%
    sizes["affiliates"] = [b - a for a, b in zip(cuts, cuts[1:])]
    files: dict[str, list[Path]] = {}
    for number, (section, counts) in enumerate(sizes.items()):
        for index, n in enumerate(counts):
            path = folder / f"{section}-{index}.parquet"
            if not path.exists():  # written once, then reused by later runs
                _papers(np.random.default_rng([seed, number, index]), section, n).write_parquet(path)
            files.setdefault(section, []).append(path)
    return files


def one_section_csv(path: Path, papers: int, seed: int = 7) -> Path:
    """A single section's ballot-level CSV: one paper a row, empty cells after the last
    preference, no gaps or overvotes, so that every tool compared reads the same papers."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _papers(np.random.default_rng(seed), "members", papers, clean=True).write_csv(path)
    return path


def write_one_section_contest(folder: Path) -> Path:
    path = folder / "contest-one-section.toml"
    text = CONTEST.format(candidates=json.dumps(CANDIDATES)).split("[[sections]]")[0]
    path.write_text(text + '[[sections]]\nid = "members"\nname = "Members"\nweight = "1"\n', encoding="utf-8")
    return path
