"""Returns benchmark (printed, not a test): sealing and checking, big and typical.

    .venv/bin/python benchmarks/returns.py

Prints, on this machine: the time to sign and seal, and to open, verify and validate,
one big return of 40,000 distinct rankings (a national union's, 8 candidates), and how
many typical returns (a society's: 200 distinct rankings, 5 candidates) a second each
side handles. Target: at least 500 typical returns a second through check_submission.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402

from college.contest import Contest  # noqa: E402
from college.profile import from_rows  # noqa: E402
from college.returns import check_submission, make_return, seal_return  # noqa: E402
from college.signing import public_text  # noqa: E402

CANDIDATES = ["Ashworth", "Bennett", "Carver", "Dalton", "Ellison", "Foster", "Gray", "Hughes"]
NOW = datetime(2026, 9, 1, tzinfo=UTC)


def contest(candidates: list[str], key: Ed25519PrivateKey, count_key: X25519PrivateKey, certified: int) -> Contest:
    return Contest.model_validate(
        {
            "id": "bench",
            "position": "Leader",
            "candidates": candidates,
            "lot_seed": "benchmark",
            "sections": [{"id": "affiliates", "name": "Affiliated organisations", "weight": "1"}],
            "returns_deadline": NOW + timedelta(days=1),
            "count_public_key": public_text(count_key),
            "register": [
                {
                    "id": "body",
                    "name": "Benchmark Union",
                    "kind": "trade_union",
                    "section": "affiliates",
                    "certified_members": certified,
                    "declaration_required": True,
                    "scrutineer": "A. Scrutineer",
                    "public_key": public_text(key),
                }
            ],
        }
    )


def rankings(candidates: list[str], distinct: int, seed: int) -> list[tuple[tuple[tuple[str], ...], int]]:
    rng = random.Random(seed)
    seen: dict[tuple[str, ...], int] = {}
    while len(seen) < distinct:
        order = rng.sample(candidates, rng.randint(1, len(candidates)))
        seen.setdefault(tuple(order), rng.randint(1, 400))
    return [(tuple((name,) for name in order), count) for order, count in seen.items()]


def setup(candidates: list[str], distinct: int, seed: int):
    key, count_key = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    profile = from_rows(rankings(candidates, distinct, seed))
    papers = profile.papers
    the_contest = contest(candidates, key, count_key, certified=papers + 1_000)
    ret = make_return(
        the_contest, "body", profile, papers_issued=papers + 1_000, papers_returned=papers + 30,
        spoilt=10, other_invalid=5, ineligible=15, made_at=NOW - timedelta(hours=1),
    )
    return the_contest, key, count_key, ret


def main() -> None:
    the_contest, key, count_key, big = setup(CANDIDATES, 40_000, seed=1)
    start = time.perf_counter()
    sealed = seal_return(big, key, the_contest.count_public_key)
    seal_time = time.perf_counter() - start
    start = time.perf_counter()
    verdict = check_submission(sealed, the_contest, count_key, NOW)
    check_time = time.perf_counter() - start
    assert verdict.accepted, verdict.problems
    print(f"big return: {len(big.profile):,} distinct rankings, {big.valid:,} papers, {len(sealed) / 2**20:.1f} MiB sealed")
    print(f"  sign + seal:              {seal_time:.3f} s")
    print(f"  open + verify + validate: {check_time:.3f} s")
    del big, sealed, verdict  # a pipeline keeps no opened return once it is decided

    the_contest, key, count_key, typical = setup(CANDIDATES[:5], 200, seed=2)
    n = 1_000
    wall, cpu = time.perf_counter(), time.process_time()
    sealed_many = [seal_return(typical, key, the_contest.count_public_key) for _ in range(n)]
    seal_rates = n / (time.perf_counter() - wall), n / (time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    accepted = sum(check_submission(data, the_contest, count_key, NOW).accepted for data in sealed_many)
    check_rates = n / (time.perf_counter() - wall), n / (time.process_time() - cpu)
    assert accepted == n
    print(f"typical return: {len(typical.profile)} distinct rankings, {len(sealed_many[0]):,} bytes sealed; one process")
    print(f"  sign + seal:              {seal_rates[0]:,.0f} returns/s wall, {seal_rates[1]:,.0f} per CPU second")
    print(
        f"  open + verify + validate: {check_rates[0]:,.0f} returns/s wall, {check_rates[1]:,.0f} per CPU second"
        " (target >= 500/s)"
    )
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
