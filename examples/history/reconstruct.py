"""Rebuild the history examples' profiles from their published figures (run by hand, not by the tests).

    .venv/bin/python examples/history/reconstruct.py

For each contest, `<contest>/published.json` holds the published cells (its SOURCES.md says
where each comes from) and, for cells nobody published, the round-by-round vote totals chosen
to fit them. This script

1. completes the vote table: every cell with `votes` is kept; the rest are solved for (an
   integer programme, scipy's milp) so that every published percentage is reproduced at
   its published precision and rounding rule, staying as close as it can to the `guess`
   given for it, with transfers that only add to continuing candidates;
2. turns the completed table into a profile per section, working backwards: round 1 first
   preferences are one-name rankings; when a candidate is eliminated, their papers are
   extended by the next preference each needs to land where the table says (the rest stop,
   non-transferable);
3. writes the completed table back into the figures file (`votes`) and the profiles as
   the profile JSON of DESIGN.md.
"""

from __future__ import annotations

import json
import re
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def interval(published: str, rule: str) -> tuple[Fraction, Fraction]:
    """The exact percentages that display as `published` under `rule` (half-up or truncate)."""
    value = Fraction(published)
    unit = Fraction(1, 10 ** len(published.partition(".")[2]))
    if rule == "truncate":
        return value, value + unit
    if rule == "largest-remainder":  # within one unit: the exact check is the test's
        return value - unit, value + unit
    return value - unit / 2, value + unit / 2


def complete(figures: dict) -> dict:
    """Solve for the vote cells not given, as described in the module docstring."""
    sections = figures["sections"]
    rounds = figures["rounds"]
    index: dict[tuple[str, int, str], int] = {}
    for r, round_ in enumerate(rounds):
        for s in sections:
            for c in round_["continuing"]:
                index[(s["id"], r, c)] = len(index)
    n = len(index)
    weights = {s["id"]: s["weight"] for s in sections}
    rows, lower, upper = [], [], []

    def add(coefficients: dict[int, float], lo: float, hi: float) -> None:
        row = np.zeros(2 * n)
        for i, a in coefficients.items():
            row[i] += a
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    eps = 1e-6  # keep clear of each interval's ends: the solver's tolerance is not exact
    for r, round_ in enumerate(rounds):
        for s in sections:
            valid = round_["sections"][s["id"]]["valid"]
            cells = {index[(s["id"], r, c)]: 1.0 for c in round_["continuing"]}
            add(cells, valid, valid)
            for c, (published, rule) in round_["sections"][s["id"]].get("contribution", {}).items():
                lo, hi = interval(published, rule)
                scale = 100 * Fraction(s["weight"]) / valid
                add({index[(s["id"], r, c)]: float(scale)}, float(lo) + eps, float(hi) - eps)
            for c, (published, rule) in round_["sections"][s["id"]].get("share", {}).items():
                lo, hi = interval(published, rule)
                add({index[(s["id"], r, c)]: 100 / valid}, float(lo) + eps, float(hi) - eps)
            if r:  # transfers only add to a continuing candidate
                for c in round_["continuing"]:
                    add({index[(s["id"], r, c)]: 1.0, index[(s["id"], r - 1, c)]: -1.0}, 0, np.inf)
        for c, total in round_.get("votes_total", {}).items():  # a candidate's votes over all sections
            add({index[(s["id"], r, c)]: 1.0 for s in sections}, total, total)
        for c, (published, rule) in round_["college"].items():
            lo, hi = interval(published, rule)
            coefficients = {
                index[(s["id"], r, c)]: float(100 * Fraction(s["weight"]) / round_["sections"][s["id"]]["valid"])
                for s in sections
            }
            add(coefficients, float(lo) + eps, float(hi) - eps)

    # |v - guess| <= d, minimise the sum of d; given votes are fixed.
    bounds_lo, bounds_hi = np.zeros(2 * n), np.full(2 * n, np.inf)
    objective = np.zeros(2 * n)
    for (sid, r, c), i in index.items():
        cell = rounds[r]["sections"][sid]
        if c in cell.get("votes", {}):
            bounds_lo[i] = bounds_hi[i] = cell["votes"][c]
        else:
            guess = cell.get("guess", {}).get(c)
            if guess is None and c in cell.get("contribution", {}):  # the middle of the published interval
                low, high = interval(*cell["contribution"][c])
                guess = float((low + high) / 2 / 100 / Fraction(weights[sid]) * cell["valid"])
            elif guess is None:
                low, high = interval(*cell["share"][c])
                guess = float((low + high) / 2 / 100 * cell["valid"])
            objective[n + i] = 1.0
            add({i: 1.0, n + i: -1.0}, -np.inf, guess)
            add({i: 1.0, n + i: 1.0}, guess, np.inf)
    integrality = np.concatenate([np.ones(n), np.zeros(n)])
    solution = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=integrality,
        bounds=Bounds(bounds_lo, bounds_hi),
    )
    if solution.x is None:
        sys.exit(f"{figures['contest']}: no vote table fits the published figures ({solution.message})")
    for (sid, r, c), i in index.items():
        rounds[r]["sections"][sid].setdefault("votes", {})[c] = int(round(solution.x[i]))
    for round_ in rounds:
        for cell in round_["sections"].values():
            cell["votes"] = {c: cell["votes"][c] for c in round_["continuing"]}
            cell.pop("guess", None)
    verify(figures)
    return figures


def verify(figures: dict) -> None:
    """Check every published cell against the completed table in exact arithmetic."""
    weights = {s["id"]: Fraction(s["weight"]) for s in figures["sections"]}
    for round_ in figures["rounds"]:
        college = dict.fromkeys(round_["continuing"], Fraction(0))
        checks = []
        for sid, cell in round_["sections"].items():
            for c, v in cell["votes"].items():
                share = Fraction(100 * v, cell["valid"])
                college[c] += weights[sid] * share
                if c in cell.get("share", {}):
                    checks.append((f"{sid} share {c}", share, cell["share"][c]))
                if c in cell.get("contribution", {}):
                    checks.append((f"{sid} contribution {c}", weights[sid] * share, cell["contribution"][c]))
            if sum(cell["votes"].values()) != cell["valid"]:
                sys.exit(f"{figures['contest']}: round {round_['number']} {sid}: votes do not add up to valid")
        checks += [(f"college {c}", college[c], cell) for c, cell in round_["college"].items()]
        for what, value, (published, rule) in checks:
            lo, hi = interval(published, rule)
            if not lo <= value < hi:
                sys.exit(f"{figures['contest']}: round {round_['number']} {what}: {float(value)} does not show as {published}")


def profile(figures: dict, section_id: str, part: str = "sections") -> dict:
    """Papers whose count reproduces a column of the table (a section's, or a voter
    category's), round by round."""
    rounds = [{"sections": round_[part]} for round_ in figures["rounds"]]
    piles: dict[str, list[list]] = {
        c: [[[c], n]] for c, n in rounds[0]["sections"][section_id]["votes"].items() if n
    }
    stopped: list[list] = []
    for r in range(len(rounds) - 1):
        before, after = rounds[r]["sections"][section_id]["votes"], rounds[r + 1]["sections"][section_id]["votes"]
        (eliminated,) = [c for c in before if c not in after]
        wants = [(c, after[c] - before[c]) for c in after if after[c] > before[c]]
        for ranking, count in piles.pop(eliminated, []):
            while count:
                if not wants:
                    stopped.append([ranking, count])
                    break
                to, need = wants[0]
                moved = min(count, need)
                piles.setdefault(to, []).append([ranking + [to], moved])
                count -= moved
                wants[0] = (to, need - moved)
                if wants[0][1] == 0:
                    wants.pop(0)
        if wants:
            sys.exit(f"{figures['contest']}: {section_id} round {r + 2}: transfers exceed the eliminated pile")
    ballots = [pair for pile in piles.values() for pair in pile] + stopped
    merged: dict[tuple, int] = {}
    for ranking, count in ballots:
        merged[tuple(ranking)] = merged.get(tuple(ranking), 0) + count
    rows = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return {"candidates": figures["candidates"], "ballots": [{"ranking": list(k), "count": v} for k, v in rows]}


def profile_text(data: dict) -> str:
    """The profile JSON with one ballot a line, so a reader can follow the transfers."""
    ballots = ",\n  ".join(json.dumps(b, ensure_ascii=False) for b in data["ballots"])
    return f'{{"candidates": {json.dumps(data["candidates"], ensure_ascii=False)},\n "ballots": [\n  {ballots}\n ]}}\n'


def main() -> None:
    for path in sorted(HERE.glob("*/published.json")):
        figures = complete(json.loads(path.read_text(encoding="utf-8")))
        text = json.dumps(figures, indent=1, ensure_ascii=False)
        text = re.sub(r'\[\n\s*("[^"]*"),\n\s*("[^"]*")\n\s*\]', r"[\1, \2]", text)  # [figure, rule] on one line
        path.write_text(text + "\n", encoding="utf-8")
        out = path.parent
        if figures.get("categories"):  # one pool: a profile per voter category
            columns = [(c, "categories") for c in figures["categories"]]
        else:  # a section whose real papers are given elsewhere (2010 PLP) keeps them
            columns = [(s["id"], "sections") for s in figures["sections"] if "profile" not in s]
        for column, part in columns:
            (out / f"{column}.json").write_text(profile_text(profile(figures, column, part)), encoding="utf-8")
        print(f"{path.parent.name}: profiles written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
