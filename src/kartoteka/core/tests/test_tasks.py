"""Housekeeping tasks."""

from __future__ import annotations

import pytest
from django.db import connection

from kartoteka.core.tasks import refresh_planner_statistics
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_the_planner_learns_each_tables_true_size() -> None:
    # given: 30 accounts, and no statistics
    AccountFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    # when
    refresh_planner_statistics.call()
    # then: the accounts' rows are counted whole, index by index
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT stat FROM sqlite_stat1 WHERE tbl = 'customers_account'")
        sizes = {int(stat.split()[0]) for (stat,) in cursor.fetchall()}
    assert sizes == {30}


def test_elsewhere_the_database_keeps_its_own_statistics() -> None:
    refresh_planner_statistics.call()  # PostgreSQL: nothing to do, and no error
