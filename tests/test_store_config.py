"""Where the store is: --store, else COLLEGE_STORE, else the contest file's `store`; never credentials."""

import pytest

from college.errors import CollegeError
from college.store import LocalStore, store_from
from tests.helpers import contest


def test_the_contest_file_names_the_store_and_the_environment_and_option_take_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("COLLEGE_STORE", raising=False)
    named = contest(store=str(tmp_path / "from-contest"))
    assert store_from(None, default=named.store).root == (tmp_path / "from-contest").resolve()
    monkeypatch.setenv("COLLEGE_STORE", str(tmp_path / "from-env"))
    assert store_from(None, default=named.store).root == (tmp_path / "from-env").resolve()
    chosen = store_from(str(tmp_path / "from-option"), default=named.store)
    assert isinstance(chosen, LocalStore) and chosen.root == (tmp_path / "from-option").resolve()


def test_no_store_anywhere_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("COLLEGE_STORE", raising=False)
    with pytest.raises(CollegeError, match="name it in the contest file"):
        store_from(None, default=contest().store)
