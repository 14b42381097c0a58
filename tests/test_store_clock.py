"""The store's own clock decides when a submission arrived (and so whether it is late)."""

from datetime import UTC, datetime, timedelta

import pytest

from college.store import NotInStore
from tests.test_store import aws, moto_server, store  # noqa: F401  (the shared backend fixtures)


def test_stored_at_is_the_store_s_own_clock_and_never_moves(store):  # noqa: F811
    before = datetime.now(UTC) - timedelta(seconds=2)
    store.put("inbox/first", b"one")
    when = store.stored_at("inbox/first")
    assert before <= when <= datetime.now(UTC) + timedelta(seconds=2)
    assert when.utcoffset() == timedelta(0)
    store.put("inbox/first", b"one")  # the same bytes again: the object is untouched
    assert store.stored_at("inbox/first") == when
    with pytest.raises(NotInStore):
        store.stored_at("inbox/never")
