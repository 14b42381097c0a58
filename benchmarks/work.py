"""One count in a fresh process, timed from inside: what `college count` does once it has
started (read the contest and every section's files, combine them, count, render the
result as JSON). Prints one JSON line: seconds, peak memory, winner, rounds.

Usage: python work.py CONTEST.toml ID=PATH [ID=PATH ...]
"""

import gc
import json
import resource
import sys
import time

from college.cli.count import parse_sections
from college.contest import load_contest
from college.count.rules import count
from college.profile import read_section

gc.freeze()  # as the `college` script does once it has imported its command (college.cli.main)

start, cpu = time.perf_counter(), time.process_time()
contest = load_contest(sys.argv[1])
files = parse_sections(sys.argv[2:])
profiles = {sid: read_section(paths, contest) for sid, paths in files.items()}
read = time.perf_counter()
result = count(contest, profiles)
result.model_dump_json()
done = time.perf_counter()
print(
    json.dumps(
        {
            "read": read - start,
            "count": done - read,
            "seconds": done - start,
            "cpu": time.process_time() - cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "winner": result.winner,
            "rounds": len(result.rounds),
            "distinct": {sid: len(p.rankings) for sid, p in profiles.items()},
        }
    )
)
