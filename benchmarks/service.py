"""The web service under load (printed, not a test): 500 sealed returns from 50 concurrent clients.

    .venv/bin/python benchmarks/service.py [--returns 500] [--clients 50]

A contest of `--returns` registered affiliates (tests/ingest_world.py), each sending one
sealed return to a real `college serve` (uvicorn, embedded ingest on Prefect's local
SQLite) on a free localhost port, from `--clients` concurrent httpx async clients. The
service is warmed first (one return acknowledged and receipted: the service's start and
Prefect's first start are printed apart). Reported: every upload acknowledged, the p50
and p99 acknowledgement latency, the time from the last upload until every receipt is
issued, nothing lost (each kept object's bytes are those sent), and a verifying ledger.
Targets on this 2-core machine: p99 acknowledgement <= 1 s; every receipt within 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from college.folders import RECEIVED as RECEIVED_PREFIX  # noqa: E402
from college.ledger import Ledger  # noqa: E402
from college.receipts import verify_receipt  # noqa: E402
from college.signing import digest  # noqa: E402
from college.store import LocalStore  # noqa: E402
from tests.ingest_world import body_ids, make_college  # noqa: E402
from tests.service_world import free_port  # noqa: E402


async def upload_all(base: str, returns: list[bytes], clients: int) -> tuple[list[float], list[dict], float]:
    """(latencies, answers, seconds): each client's connection is opened before the clock starts."""
    latencies, answers = [], []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for data in returns:
        queue.put_nowait(data)
    https = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(clients)]
    await asyncio.gather(*(http.get("/upload") for http in https))

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            data = queue.get_nowait()
            started = time.perf_counter()
            answer = await http.post("/api/v1/returns", content=data, headers={"content-type": "application/octet-stream"})
            latencies.append(time.perf_counter() - started)
            answers.append({"status": answer.status_code, **(answer.json() if answer.status_code == 202 else {})})

    began = time.perf_counter()
    await asyncio.gather(*(client(http) for http in https))
    seconds = time.perf_counter() - began
    for http in https:
        await http.aclose()
    return latencies, answers, seconds


async def wait_for_receipts(base: str, shas: list[str]) -> None:
    """Ask for each receipt in turn until it is issued (one request at a time: the poll must not be the load)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for sha in shas:
            while (await http.get(f"/api/v1/receipts/{sha}")).status_code != 200:
                await asyncio.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="college-service-bench-"))
    college = make_college(folder, bodies=args.returns + 1)
    bodies = body_ids(args.returns + 1)
    warm, returns = college.sealed(bodies[0]), [college.sealed(body) for body in bodies[1:]]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | college.environment() | {
        "PREFECT_HOME": tempfile.mkdtemp(prefix="pf-bench-"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    command = [str(Path(sys.executable).parent / "college"), "serve", str(college.contest_file), "--store", str(folder / "store"),
               "--port", str(port), "--uploads-per-minute", "100000", "--requests-per-minute", "1000000", *os.environ.get("BENCH_EXTRA", "").split()]
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        answering = time.perf_counter() - started
        sha = httpx.post(f"{base}/api/v1/returns", content=warm, headers={"content-type": "application/octet-stream"}).json()["sha256"]
        asyncio.run(wait_for_receipts(base, [sha]))
        warmed = time.perf_counter() - started

        latencies, answers, seconds = asyncio.run(upload_all(base, returns, args.clients))
        uploaded = time.perf_counter()
        acknowledged = [a for a in answers if a["status"] == 202]
        shas = [a["sha256"] for a in acknowledged]
        asyncio.run(wait_for_receipts(base, shas))
        receipted = time.perf_counter()
    finally:
        server.terminate()
        server.wait(timeout=120)

    store = LocalStore(folder / "store")
    ledger = Ledger(store)
    lost = [data for data in returns if store.get(f"{RECEIVED_PREFIX}/{digest(data)}") != data]
    bad = [s for s in shas if verify_receipt(store.get(f"receipts/{s}.json"), college.receipt_key.public_key(), ledger)]
    outcomes = {json.loads(store.get(f"receipts/{s}.json"))["receipt"]["outcome"] for s in shas}
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(f"service answering {answering:.1f} s after start; warmed (first receipt, Prefect's first start) at {warmed:.1f} s")
    print(f"{len(returns)} sealed returns from {args.clients} concurrent clients in {seconds:.1f} s")
    print(f"acknowledged (202): {len(acknowledged)} of {len(returns)}")
    print(f"acknowledgement latency: p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms (target p99 <= 1000 ms)")
    print(f"every receipt issued {receipted - uploaded:.1f} s after the last upload (target <= 30 s); outcomes {sorted(outcomes)}")
    print(f"lost: {len(lost)}; receipts that do not verify against the ledger: {len(bad)}; "
          f"ledger problems: {len(ledger.verify())} in {len(ledger.entries())} entries")


if __name__ == "__main__":
    main()
