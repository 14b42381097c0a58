"""Publish nominations as they come (seed 003 items 7 and 10).

The flow reads the nominations file and every file it names, and rewrites the
publication only when one of them has changed since the last publication (the digest
of the sources is kept in `nominations.json`). Run it on a schedule, or serve it:

    python -m flows.nominations NOMINATIONS.toml OUT_DIR [MINUTES]

Nominations are public, so nothing here is under embargo; parameters are still paths
only, and every rule lives in `college.nominations`.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from prefect import flow, task

from college import nominations
from college.reports import nominations as publication


@task
def read_nominations(config: str) -> nominations.Inputs:
    return nominations.load(config)


@task
def last_published(out: str) -> str | None:
    return publication.published_digest(Path(out))


@task
def publish(inputs: nominations.Inputs, out: str) -> list[str]:
    result = nominations.outcome(inputs)
    return [str(path) for path in publication.write_publication(result, Path(out))]


@flow(name="publish-nominations")
def publish_nominations(config: str, out: str) -> str:
    """Rebuild the published nominations in `out` when the files behind `config` have changed."""
    inputs = read_nominations(config)
    if last_published(out) == nominations.source_digest(inputs):
        return "unchanged"
    publish(inputs, out)
    return "published"


if __name__ == "__main__":
    config_path, out_dir = sys.argv[1], sys.argv[2]
    minutes = float(sys.argv[3]) if len(sys.argv) > 3 else 5
    publish_nominations.serve(
        name="publish-nominations",
        parameters={"config": config_path, "out": out_dir},
        interval=timedelta(minutes=minutes),
    )
