"""The `college` command line. Each command parses, calls the domain and prints.

Each module here holds the commands of one part of the domain and registers them on `app`.
"""

from college.cli import ceremony  # noqa: F401  (registers its commands)
from college.cli import count  # noqa: F401  (registers its commands)
from college.cli import declare  # noqa: F401  (registers its commands)
from college.cli import ledger  # noqa: F401  (registers its commands)
from college.cli import nominations  # noqa: F401  (registers its commands)
from college.cli import pipeline  # noqa: F401  (registers its commands)
from college.cli import reports  # noqa: F401  (registers its commands)
from college.cli import scrutineer  # noqa: F401  (registers its commands)
from college.cli.app import app

__all__ = ["app"]
