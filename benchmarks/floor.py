"""The practical floor: a bare polars scan and group_by of the same files, with no
cleaning, no checks and no count. Each file is grouped on its own, as the count reads
them, and all of them at once; the faster is the floor. Prints seconds as JSON.

Usage: python floor.py FILE [FILE ...]
"""

import json
import sys
import time

import polars as pl

files = sys.argv[1:]
columns = pl.scan_parquet(files[0]).collect_schema().names()
ranks = [c for c in columns if c.startswith("rank")]

start = time.perf_counter()
for path in files:
    pl.scan_parquet(path).group_by(ranks).agg(pl.len()).collect()
each = time.perf_counter() - start

start = time.perf_counter()
pl.scan_parquet(files).group_by(ranks).agg(pl.len()).collect()
together = time.perf_counter() - start
print(json.dumps({"each": each, "together": together, "seconds": min(each, together)}))
