"""Change history through django-simple-history, cheap to write."""

from __future__ import annotations

import pytest

from kartoteka.cases.tests.factories import make_case
from kartoteka.customers.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_history_manager_class_is_built_once_per_model() -> None:
    # given two cases and two accounts
    first, second = make_case("Drukarka"), make_case("Skaner")
    one, other = AccountFactory(), AccountFactory()
    # then: each model's history manager is one class, whatever the row
    assert type(first.history) is type(second.history)
    assert type(one.history) is type(other.history)
    # and it still reads each row's own history
    assert [record.subject for record in first.history.all()] == ["Drukarka"]
    assert second.history.count() == 1
