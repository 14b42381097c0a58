"""Build the 2010 Leader nominations example from the published figures (see SOURCES.md).

Run from the repository root: `.venv/bin/python tests/data/nominations/make_2010.py`.
It writes examples/2010-leader-nominations/. The candidates' names are real; every other
MP is synthetic ("Member 001"...), because the rule needs only who nominated whom and
how many, not the real list of names.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parents[3] / "examples" / "2010-leader-nominations"
BST = timezone(timedelta(hours=1))
OPEN = datetime(2010, 5, 24, 9, 0, tzinfo=BST)
MCDONNELL_WITHDRAWS = datetime(2010, 6, 9, 9, 30, tzinfo=BST)
CLOSE = datetime(2010, 6, 9, 12, 30, tzinfo=BST)

CANDIDATES = {
    "david-miliband": "David Miliband",
    "ed-miliband": "Ed Miliband",
    "ed-balls": "Ed Balls",
    "andy-burnham": "Andy Burnham",
    "diane-abbott": "Diane Abbott",
    "john-mcdonnell": "John McDonnell",
}
COMMONS = 257  # 258 Labour MPs returned in 2010, less Eric Illsley (suspended)
MEPS = 13  # Labour MEPs elected in 2009: on the roll, not counted


def at(day: int, minute: int) -> datetime:
    return OPEN + timedelta(days=day, minutes=minute)


def main() -> None:
    synthetic = [f"mp-{n:03d}" for n in range(1, COMMONS - len(CANDIDATES) + 1)]
    roll = [(i, name, "commons") for i, name in CANDIDATES.items()]
    roll += [(i, f"Member {i[3:]}", "commons") for i in synthetic]
    roll += [(f"mep-{n:02d}", f"European Member {n:02d}", "european") for n in range(1, MEPS + 1)]

    pool = iter(synthetic)
    take = lambda n: [next(pool) for _ in range(n)]  # noqa: E731
    rows = []  # (mp, nominee, when, withdrawn)
    for nominee, count in (("David Miliband", 81), ("Ed Miliband", 63), ("Ed Balls", 33), ("Andy Burnham", 33)):
        for k, mp in enumerate(take(count)):
            rows.append((mp, nominee, at(k % 15, 7 * k), None))
    # John McDonnell had 16 when he withdrew; 10 of them then nominated Diane Abbott.
    mcdonnell = take(16)
    switchers = mcdonnell[:10]  # the other 6 stayed with him
    for k, mp in enumerate(mcdonnell):
        withdrawn = MCDONNELL_WITHDRAWS + timedelta(minutes=10 + k) if mp in switchers else None
        rows.append((mp, "John McDonnell", at(k % 15, 11 * k), withdrawn))
    # Diane Abbott: 11 before 9 June, then the 10 switchers, David Miliband and 11 more that morning.
    early, late = take(11), take(11)
    for k, mp in enumerate(early):
        rows.append((mp, "Diane Abbott", at(k, 13 * k), None))
    for k, mp in enumerate(switchers + ["david-miliband"] + late):
        rows.append((mp, "Diane Abbott", MCDONNELL_WITHDRAWS + timedelta(minutes=30 + 4 * k), None))
    assert len(list(pool)) == 3  # three synthetic MPs nominate nobody, nor do five candidates
    rows.sort(key=lambda row: row[2])

    decisions = [(name, "accepted", at(0, 60 + k)) for k, name in enumerate(CANDIDATES.values())]
    decisions.append(("John McDonnell", "withdrawn", MCDONNELL_WITHDRAWS))

    OUT.mkdir(parents=True, exist_ok=True)
    write(OUT / "roll.csv", ["id", "name", "house"], roll)
    write(
        OUT / "plp-nominations.csv",
        ["mp", "nominee", "position", "when", "withdrawn"],
        [(mp, nominee, "leader", when.isoformat(), withdrawn.isoformat() if withdrawn else "")
         for mp, nominee, when, withdrawn in rows],
    )
    (OUT / "decisions.json").write_text(
        json.dumps(
            [{"nominee": n, "position": "leader", "decision": d, "when": w.isoformat()} for n, d, w in decisions],
            indent=2,
        )
        + "\n"
    )


def write(path: Path, header: list[str], rows: list) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
