"""Run one command as a child and report its wall time and peak memory.

The peak is the child's own maximum resident set size, from
resource.getrusage(RUSAGE_CHILDREN) in this process, which has exactly one child.
Prints one JSON line: seconds, peak_mib, returncode. The child's output goes to
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
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "returncode": code}), file=sys.stderr)
