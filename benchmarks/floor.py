"""The practical floor: a bare polars scan and group_by of the same files, with no
cleaning, no checks and no count. Each file is grouped on its own, as the count reads
them, and all of them at once; the faster is the floor. Prints seconds (wall) and CPU seconds as JSON.

Usage: python floor.py FILE [FILE ...]
"""

import json
import sys
import time

import polars as pl

files = sys.argv[1:]
columns = pl.scan_parquet(files[0]).collect_schema().names()
ranks = [c for c in columns if c.startswith("rank")]

start, cpu = time.perf_counter(), time.process_time()
for path in files:
    pl.scan_parquet(path).group_by(ranks).agg(pl.len()).collect()
each, each_cpu = time.perf_counter() - start, time.process_time() - cpu

start, cpu = time.perf_counter(), time.process_time()
pl.scan_parquet(files).group_by(ranks).agg(pl.len()).collect()
together, together_cpu = time.perf_counter() - start, time.process_time() - cpu
faster = min((each, each_cpu), (together, together_cpu))
print(json.dumps({"each": each, "together": together, "seconds": faster[0], "cpu": faster[1]}))
