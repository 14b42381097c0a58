"""Shared task settings for the flows: under embargo, a task that touches opened returns or the result keeps nothing.

Measured in shared/docs/prefect-notes.md section 2: Prefect persists a task's return
value when asked to or when a cache policy applies, and it stores an exception's text
in the task run's state, its logs and its events. So a task that handles figures:

- persists no result and caches nothing (`persist_result=False`, `NO_CACHE`);
- prints nothing to Prefect's logger and has no run name built from its arguments;
- turns any exception into one that names only the step, `from None`, so not even the
  traceback's chained text reaches the database.

Figures move between such tasks in memory only; what outlives the run is sealed or
is procedure (identifiers, hashes, rule names).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps

from prefect import task
from prefect.cache_policies import NO_CACHE

from college.errors import CollegeError

# Belt and braces (prefect-notes section 2): no task in this process writes a cache file.
os.environ.setdefault("PREFECT_TASKS_DISABLE_CACHING", "true")


class Withheld(CollegeError):
    """A step that handles figures failed; what it was doing is named, and a cause that is no figure."""


def embargoed(step: str, *, retries: int = 0, retry_delay_seconds: float = 1.0) -> Callable:
    """A Prefect task for `step` that keeps nothing of what it handles."""

    def decorate(function: Callable) -> Callable:
        @wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Withheld:
                raise
            except CollegeError as error:  # its message names a file, a field and a rule, never a figure
                raise Withheld(f"{step}: {error}") from None
            except Exception as error:
                raise Withheld(f"{step}: failed ({type(error).__name__}); details withheld under embargo") from None

        return task(
            name=step,
            persist_result=False,
            cache_policy=NO_CACHE,
            log_prints=False,
            retries=retries,
            retry_delay_seconds=retry_delay_seconds,
        )(run)

    return decorate


def run_and_wait(deployment: str) -> None:
    """Run a deployment of deployments/prefect.yaml on the workers, with its own parameters (paths only),
    and wait for its end; a run that ends otherwise than completed is an error naming its state."""
    from prefect.deployments import run_deployment

    run = run_deployment(deployment, timeout=None)
    if run.state is None or not run.state.is_completed():
        raise CollegeError(f"the {deployment} run ended {run.state.name if run.state else 'in no state'}: see it in Prefect",
                           field=deployment)
