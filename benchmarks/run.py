"""The count's benchmark (`make bench`): prints figures, asserts nothing.

1. Ballot-level Parquet, three sections, 8 candidates: 1M and 10M papers. Time of the
   count's work (read every file, combine, count, result as JSON; timed inside a fresh
   process), the whole `college count` process, and its peak memory.
2. The practical floor: a bare polars scan and group_by of the same files; the ratio of
   the 10M count's work to it.
3. The RCTab `2013_minneapolis_mayor_scale` case (1,041,313 papers, 35 candidates),
   checked against RCTab's round-by-round result.
4. The same 2,000,000-paper single-section CSV counted, whole process each, by
   `college count`, pyrankvote and pref_voting (benchmarks/peers/). A peer that runs
   past the time limit is stopped and shown as such, with a figure extrapolated from a
   run on a tenth of the papers, labelled as extrapolated.

Timings are the best of --repeat runs taken in turns, a peer's too when it finishes
(other work on the machine only slows a run down, and taking turns spreads a slow spell
over both sides of a ratio); peak memory is the largest seen. Data is generated once, deterministically,
under benchmarks/data/ (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import rctab  # noqa: E402

DATA = HERE / "data"
PYTHON = sys.executable
COLLEGE = str(Path(sys.executable).with_name("college"))
GIB = 1024

TARGET_RATIO = 1.5
TARGET_SECONDS = 5.0
TARGET_PEAK_MIB = 2 * GIB
TARGET_SPEEDUP = 20


def measure(command: list[str], timeout: float | None = None) -> dict:
    """Run `command` under measure.py; wall seconds, peak MiB and its stdout, or a timeout."""
    process = subprocess.Popen(
        [PYTHON, str(HERE / "measure.py"), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout stops the whole group, the measured child included
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"timed_out": True, "seconds": timeout}
    figures = json.loads(err.strip().splitlines()[-1])
    if figures["returncode"] != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{err}")
    return {**figures, "stdout": out, "timed_out": False}


def fastest(runs: list[dict]) -> dict:
    """The best run's figures, with the largest peak memory seen and every run's time."""
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mib": max(r["peak_mib"] for r in runs), "runs": [round(r["seconds"], 3) for r in runs]}


def work(contest: Path, files: dict[str, list[Path]]) -> dict:
    """The count's work, timed inside a fresh process."""
    sections = [f"{sid}={p}" for sid, paths in files.items() for p in paths]
    run = measure([PYTHON, str(HERE / "work.py"), str(contest), *sections])
    return {**json.loads(run["stdout"]), "peak_mib": run["peak_mib"]}


def cli(contest: Path, files: dict[str, list[Path]]) -> dict:
    """The whole `college count` process, JSON output."""
    sections = [arg for sid, paths in files.items() for p in paths for arg in ("--section", f"{sid}={p}")]
    return measure([COLLEGE, "count", str(contest), *sections, "--format", "json"])


def floor(files: list[Path]) -> dict:
    run = measure([PYTHON, str(HERE / "floor.py"), *map(str, files)])
    return {**json.loads(run["stdout"]), "peak_mib": run["peak_mib"]}


def interleaved(repeat: int, **jobs) -> dict[str, dict]:
    """Each job `repeat` times, taking turns, so that a busy spell on the machine slows
    every job alike rather than one; the fastest run of each."""
    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for _ in range(repeat):
        for name, job in jobs.items():
            runs[name].append(job())
    return {name: fastest(r) for name, r in runs.items()}


def cpu_pressure() -> str:
    """Share of the last minute some task waited for a CPU (Linux PSI), to judge contention."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "unknown"
    return next(part.split("=")[1] for part in line.split() if part.startswith("avg60")) + "%"


def show(label: str, figure: str) -> None:
    print(f"  {label:<56} {figure}")


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def three_sections(papers: int, repeat: int, report: dict) -> None:
    folder = DATA / str(papers)
    files = data.three_sections(folder, papers)
    contest = data.write_contest(folder)
    flat = [p for paths in files.values() for p in paths]
    figures = interleaved(
        repeat, work=lambda: work(contest, files), cli=lambda: cli(contest, files), floor=lambda: floor(flat)
    )
    w, c, f = figures["work"], figures["cli"], figures["floor"]
    ratio = w["seconds"] / f["seconds"]
    cpu_ratio = w["cpu"] / f["cpu"]
    print(f"\n{papers:,} papers, three sections, 8 candidates, {len(flat)} Parquet files")
    show("distinct rankings per section", ", ".join(f"{k} {v:,}" for k, v in w["distinct"].items()))
    show("result", f"{w['winner']} elected in round {w['rounds']}")
    show("count's work (read + combine + count + JSON)", f"{w['seconds']:.2f} s (read {w['read']:.2f} s, count {w['count']:.2f} s); CPU {w['cpu']:.2f} s")
    show("whole `college count` process", f"{c['seconds']:.2f} s; CPU {c['cpu']:.2f} s")
    show("peak memory (whole process)", f"{max(c['peak_mib'], w['peak_mib']):,.0f} MiB")
    show("floor: bare polars scan + group_by", f"{f['seconds']:.2f} s (each file {f['each']:.2f} s, all at once {f['together']:.2f} s); CPU {f['cpu']:.2f} s")
    show("ratio of the count's work to the floor", f"{ratio:.2f} (of CPU time {cpu_ratio:.2f})")
    report[f"parquet_{papers}"] = {"work": w, "cli": c, "floor": f, "ratio": ratio, "cpu_ratio": cpu_ratio}


def minneapolis(repeat: int, report: dict) -> None:
    contest, papers, expected = rctab.write(DATA / "rctab")
    files = {"voters": [papers]}
    figures = interleaved(repeat, work=lambda: work(contest, files), cli=lambda: cli(contest, files))
    w, c = figures["work"], figures["cli"]
    result = json.loads(c["stdout"])
    same = [
        r["sections"][0]["votes"] == {k: v for k, v in e["tally"].items()}
        and r["sections"][0]["non_transferable"] == e["exhausted"]
        for r, e in zip(result["rounds"], expected["rounds"])
    ]
    section = result["sections"][0]
    print(f"\nRCTab 2013_minneapolis_mayor_scale: {section['papers'] + section['blank']:,} papers "
          f"({section['blank']:,} blank), {len(result['candidates'])} candidates (35 and undeclared write-ins)")
    show("result", f"{result['winner']} elected in round {len(result['rounds'])} "
         f"(RCTab: {expected['winner']} in round {len(expected['rounds'])})")
    show("rounds whose tallies and exhausted papers equal RCTab's", f"{sum(same)} of {len(expected['rounds'])}")
    show("count's work (read + count + JSON)", f"{w['seconds']:.2f} s (read {w['read']:.2f} s, count {w['count']:.2f} s); CPU {w['cpu']:.2f} s")
    show("whole `college count` process", f"{c['seconds']:.2f} s; CPU {c['cpu']:.2f} s")
    show("peak memory (whole process)", f"{max(c['peak_mib'], w['peak_mib']):,.0f} MiB")
    c.pop("stdout")
    report["minneapolis"] = {"work": w, "cli": c, "rounds_equal_to_rctab": sum(same), "rctab_rounds": len(expected["rounds"])}


def peers(papers: int, repeat: int, timeout: float, report: dict) -> None:
    csv = data.one_section_csv(DATA / f"peers-{papers}.csv", papers)
    contest = data.write_one_section_contest(DATA)
    scripts = {name: [PYTHON, str(HERE / "peers" / f"{name}_count.py"), str(csv)] for name in ("pyrankvote", "pref_voting")}
    # Each peer once, stopped at the time limit; those that finish are then timed in turns
    # with ours, so that a slow spell of the machine slows both sides of the ratio alike.
    first = {name: measure(command, timeout=timeout) for name, command in scripts.items()}
    finishing = [name for name, run in first.items() if not run["timed_out"]]
    jobs = {"college": lambda: cli(contest, {"members": [csv]})}
    jobs.update({name: (lambda command=scripts[name]: measure(command)) for name in finishing})
    runs = interleaved(repeat, **jobs)
    for name in finishing:
        runs[name] = fastest([first[name], runs[name]])
    ours = runs["college"]
    winner = json.loads(ours["stdout"])["winner"]
    print(f"\nThe same {papers:,}-paper single-section CSV, whole process each, taking turns")
    show("college count", f"{ours['seconds']:.2f} s (CPU {ours['cpu']:.2f} s), {ours['peak_mib']:,.0f} MiB, {winner}")
    entry = {"college": {"seconds": ours["seconds"], "cpu": ours["cpu"], "peak_mib": ours["peak_mib"], "winner": winner}}
    for name, command in scripts.items():
        if name in finishing:
            run = runs[name]
            entry[name] = {"seconds": run["seconds"], "cpu": run["cpu"], "peak_mib": run["peak_mib"], "winner": run["stdout"].strip()}
            show(name, f"{run['seconds']:.2f} s (CPU {run['cpu']:.2f} s), {run['peak_mib']:,.0f} MiB, {run['stdout'].strip()}")
            continue
        small = data.one_section_csv(DATA / f"peers-{papers // 10}.csv", papers // 10)
        tenth = measure([*command[:-1], str(small)], timeout=timeout)
        guess = None if tenth["timed_out"] else tenth["seconds"] * 10
        entry[name] = {"timed_out_after": timeout, "tenth_seconds": tenth["seconds"], "extrapolated_seconds": guess}
        show(name, f"stopped after {timeout:.0f} s without a result")
        if guess is not None:
            show(f"  {name} on {papers // 10:,} papers", f"{tenth['seconds']:.2f} s")
            show(f"  EXTRAPOLATED to {papers:,} papers (x10, linear)", f"~{guess:.0f} s")
    # The fastest peer, by a measured time where there is one, else by the timeout (a lower bound).
    times = [e.get("seconds", e.get("timed_out_after")) for k, e in entry.items() if k != "college"]
    entry["speedup"] = min(times) / ours["seconds"]
    show("college's speed-up over the fastest peer", f"{entry['speedup']:.1f}x")
    report[f"peers_{papers}"] = entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--peer-papers", type=int, default=2_000_000)
    parser.add_argument("--peer-timeout", type=float, default=300, help="seconds before a peer is stopped")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each of our timings; the best is shown")
    parser.add_argument("--skip", nargs="*", default=[], choices=["parquet", "rctab", "peers"])
    args = parser.parse_args()

    print(f"college benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"polars {pl.__version__}; CPU pressure (last minute) {cpu_pressure()} at the start")
    report: dict = {"date": datetime.datetime.now(datetime.UTC).isoformat(), "cpus": os.cpu_count()}
    if "parquet" not in args.skip:
        for papers in args.sizes:
            three_sections(papers, args.repeat, report)
    if "rctab" not in args.skip:
        minneapolis(args.repeat, report)
    if "peers" not in args.skip:
        peers(args.peer_papers, args.repeat, args.peer_timeout, report)

    print(f"\nTargets (CPU pressure at the end {cpu_pressure()})")
    largest = report.get(f"parquet_{max(args.sizes)}")
    if largest and "parquet" not in args.skip:
        w, c = largest["work"], largest["cli"]
        peak = max(w["peak_mib"], c["peak_mib"])
        show(f"ratio to the floor at {max(args.sizes):,} <= {TARGET_RATIO}", f"{largest['ratio']:.2f}  {met(largest['ratio'] <= TARGET_RATIO)}")
        show(f"{max(args.sizes):,} counted in < {TARGET_SECONDS:.0f} s (work; whole process)",
             f"{w['seconds']:.2f} s; {c['seconds']:.2f} s  {met(w['seconds'] < TARGET_SECONDS)}; {met(c['seconds'] < TARGET_SECONDS)}")
        show(f"peak memory < {TARGET_PEAK_MIB // GIB} GiB", f"{peak:,.0f} MiB  {met(peak < TARGET_PEAK_MIB)}")
    entry = report.get(f"peers_{args.peer_papers}")
    if entry:
        show(f">= {TARGET_SPEEDUP}x faster than the fastest peer", f"{entry['speedup']:.1f}x  {met(entry['speedup'] >= TARGET_SPEEDUP)}")
    for value in report.values():
        if isinstance(value, dict):
            for part in value.values():
                if isinstance(part, dict):
                    part.pop("stdout", None)
    (DATA / "results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\nfigures also written to {(DATA / 'results.json').relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
