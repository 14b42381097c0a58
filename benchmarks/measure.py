"""Run one command as a child and report its wall time and peak memory.

The peak is the child's own maximum resident set size, from
resource.getrusage(RUSAGE_CHILDREN) in this process, which has exactly one child.
Prints one JSON line: seconds (wall), cpu (user + system seconds, which other work on
the machine hardly changes), peak_mib, returncode. The child's output goes to
this process's stdout file descriptor unchanged.

Usage: python measure.py COMMAND [ARG ...]
"""

import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=sys.stdout, stderr=sys.stderr).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
figures = {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}
print(json.dumps({**figures, "returncode": code}), file=sys.stderr)
