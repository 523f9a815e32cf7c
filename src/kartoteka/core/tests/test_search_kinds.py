"""How the index chooses, kind by kind, between walking a kind's newest entries and asking the
kind's own GIN index (PostgreSQL): a word common in one kind may be absent from another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.core import search_index
from kartoteka.core.search_index import (
    KIND_CODES,
    FilePrefix,
    IndexEntry,
    KindStatistics,
    index_file_prefix,
    index_matches_in_file,
    index_put,
    index_search,
    index_walks,
    kind_range,
    query_parse,
    walks,
)

# The statements below are built from constant names and numbers only.
# ruff: noqa: S608

# A kind of a million entries: "faktura" in a fifth of them, "umowa" in a tenth; another word
# counts as in one entry of two thousand.
CASES = KindStatistics(rows=1_000_000, shares={"faktura": 0.2, "umowa": 0.1}, unseen=0.0005)
EVENTS = KindStatistics(rows=2_000_000, shares={"telefon": 0.5}, unseen=0.0002)


def test_a_word_common_in_the_kind_walks_its_newest_entries() -> None:
    assert walks(CASES, ["faktura"], prefix=False, limit=100) is True


def test_a_word_absent_from_the_kinds_common_words_takes_its_index() -> None:
    # "faktura" is common in cases, but not among the events' common words
    assert walks(EVENTS, ["faktura"], prefix=False, limit=100) is False
    assert walks(CASES, ["tachograf"], prefix=False, limit=100) is False


def test_every_word_must_match_so_common_words_together_may_be_rare() -> None:
    assert walks(CASES, ["faktura", "umowa"], prefix=False, limit=100) is True  # 2 % of 1M
    small = KindStatistics(rows=10_000, shares=CASES.shares, unseen=0.0005)
    assert walks(small, ["faktura", "umowa"], prefix=False, limit=100) is False  # 200 of 10k


def test_the_beginning_of_a_common_word_is_common_and_of_none_rare() -> None:
    assert walks(CASES, ["faktur"], prefix=True, limit=100) is True
    assert walks(CASES, ["tacho"], prefix=True, limit=100) is False
    # a beginning counts only as the last word of a prefix search
    assert walks(CASES, ["faktur"], prefix=False, limit=100) is False


def test_a_word_missing_from_a_small_vocabulary_is_rare_however_common_the_others() -> None:
    # notes of 6.2M entries (a thirtieth of them), every sampled note holding "notatka" or
    # "klient": a word none of the 10,000 sampled notes holds is in far fewer than half
    notes = KindStatistics.read(6_200_000, 1 - 1 / 30, ["klient", "notatka"], [0.4, 0.6])

    assert notes.rows == pytest.approx(206_667, rel=0.01)
    assert notes.share("tachograf") == pytest.approx(1 / 10_000)
    assert walks(notes, ["tachograf"], prefix=False, limit=100) is False
    assert walks(notes, ["notatka"], prefix=False, limit=100) is True


def test_a_kind_without_statistics_takes_its_index() -> None:
    assert walks(None, ["faktura"], prefix=False, limit=100) is False
    assert walks(KindStatistics(rows=0, shares={}), ["faktura"], prefix=False, limit=1) is False


def test_the_database_without_per_kind_statistics_never_walks() -> None:
    # SQLite: FTS5 always starts from the index
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert index_walks("case", ["faktura"], limit=1) is False


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="per-kind indexes and statistics: PostgreSQL"
)


@pytest.fixture
def analysed(db) -> Iterator[None]:
    """Sixty cases holding "faktura" (the odd ones customer 1's, the even ones customer 2's)
    and sixty events that never do (each with a word of its own, so that the events' rarest
    common word is rare), analysed."""
    index_put(
        IndexEntry(
            "case",
            number,
            title=f"Faktura nr {number}",
            body=f"numer{number}",
            account_id=1 if number % 2 else 2,
        )
        for number in range(1, 61)
    )
    index_put(
        IndexEntry("event", number, title="Telefon do klienta", body=f"rozmowa{number}")
        for number in range(1, 61)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {search_index.TABLE}")
    search_index._STATISTICS.clear()
    yield
    search_index._STATISTICS.clear()


@postgresql
def test_every_kind_has_its_own_index_and_statistics_object(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", [search_index.TABLE]
        )
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        statistics = {name for (name,) in cursor.fetchall()}
    assert {f"search_entry_document_{kind}" for kind in KIND_CODES} <= indexes
    assert "search_entry_document" not in indexes  # no more one index over every kind
    assert {f"search_entry_kind_{kind}" for kind in KIND_CODES} <= statistics


@postgresql
def test_a_word_common_in_cases_and_absent_from_events_walks_only_the_cases(analysed) -> None:
    statistics = search_index.kind_statistics(connection)
    assert statistics["case"].rows == pytest.approx(60, abs=1)
    assert statistics["case"].shares["faktura"] == pytest.approx(1.0)
    assert "faktura" not in statistics["event"].shares

    assert index_walks("case", ["faktura"], limit=10) is True
    assert index_walks("event", ["faktura"], limit=10) is False
    assert index_walks("case", ["faktu"], prefix=True, limit=10) is True


@postgresql
def test_both_ways_find_the_newest_entries_of_the_kind(analysed) -> None:
    query = query_parse("faktura")
    with CaptureQueriesContext(connection) as walked:
        cases = index_search(query, "case", limit=10)
    with CaptureQueriesContext(connection) as indexed:
        events = index_search(query, "event", limit=10)

    assert sorted(match.object_id for match in cases.found) == list(range(51, 61))
    assert cases.older_than == search_index.entry_id("case", 51)
    assert events.found == []
    assert events.older_than is None
    assert "WHERE document @@" in walked.captured_queries[-1]["sql"]
    assert "THEN document END) @@" in indexed.captured_queries[-1]["sql"]


@postgresql
@pytest.mark.parametrize("older", [False, True])
def test_the_index_path_is_served_by_the_kinds_partial_index(analysed, older) -> None:
    # the planner proves the partial index's predicate from the literal bounds, also on a
    # later page (a lower upper bound)
    low, high = kind_range("event")
    if older:
        high = search_index.entry_id("event", 30)
    with connection.cursor() as cursor:
        # (within the test's transaction) no other way than the GIN index or a sequential scan
        cursor.execute(f"ALTER TABLE {search_index.TABLE} DROP CONSTRAINT core_searchentry_pkey")
        cursor.execute("DROP INDEX search_entry_account")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {search_index.TABLE} "
            f"WHERE {search_index._match('event', walk=False)} "
            f"AND id BETWEEN {low} AND {high} ORDER BY id + 0 DESC LIMIT 10",
            ["rozmowa7"],
        )
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "Bitmap Index Scan on search_entry_document_event" in plan
    assert "Seq Scan" not in plan


@postgresql
def test_a_customer_file_walks_only_its_own_entries_of_the_kind(analysed) -> None:
    filter_ = index_matches_in_file("faktura", "case", 1, prefix=False, limit=5)
    subquery = filter_.children[0][1]  # type: ignore[index]
    with connection.cursor() as cursor:
        cursor.execute(subquery.sql, subquery.params)
        found = [row[0] for row in cursor.fetchall()]

    assert found == [59, 57, 55, 53, 51]  # the customer's five newest, not customer 2's
    assert "(account_id, id) >=" in subquery.sql  # walked through search_entry_account


@postgresql
def test_a_customer_file_reads_a_beginning_only_when_no_kind_has_the_whole_words(
    analysed,
) -> None:
    assert index_file_prefix("faktura", 1) is False
    assert index_file_prefix("rozmowa7", 1) == FilePrefix()  # an event's, of no customer
    assert index_file_prefix("faktur", 1) == FilePrefix()
    assert index_file_prefix("faktura", 3) == FilePrefix()
