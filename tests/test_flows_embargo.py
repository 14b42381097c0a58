"""A task that handles figures keeps nothing: no result, no cache, no exception text."""

import pytest
from prefect.cache_policies import NO_CACHE

from flows.tasks import Withheld, embargoed

SENTINEL = "Sentinel Candidate 48213"


@embargoed("open returns")
def fails_with_a_figure() -> None:
    raise ValueError(f"{SENTINEL} has 48213 votes")


@embargoed("count")
def passes_through(value: int) -> int:
    return value + 1


def test_an_exception_names_the_step_and_nothing_it_held():
    with pytest.raises(Withheld) as caught:
        fails_with_a_figure.fn()
    assert str(caught.value) == "open returns: failed (ValueError); details withheld under embargo"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert SENTINEL not in repr(caught.value)


def test_the_task_persists_and_caches_nothing():
    assert fails_with_a_figure.persist_result is False
    assert fails_with_a_figure.cache_policy is NO_CACHE
    assert fails_with_a_figure.log_prints is False
    assert passes_through.fn(1) == 2
