from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from kartoteka.cases import export
from kartoteka.cases.models import Case
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("cases:case-export")
HEADER = [
    "Number",
    "Subject",
    "Status",
    "Priority",
    "Type",
    "Category",
    "Group",
    "Customer",
    "Assignee",
    "Created by",
    "Created at",
    "Expected resolution",
    "Annotation",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+48 601", "'+48 601"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tkarta", "'\tkarta"),
        ("\rpowrót", "'\rpowrót"),
        ("Zwykły tekst = 1", "Zwykły tekst = 1"),
    ],
)
def test_neutralise_prefixes_formula_starts_with_an_apostrophe(cell, expected):
    assert export.neutralise(cell) == expected


def test_export_is_a_streamed_utf8_csv_with_bom_and_a_dated_file_name(agent):
    # given
    make_case("Zażółć gęślą jaźń: ąęłńóśźż ĄĘŁŃÓŚŹŻ", account=AccountFactory(name="Łódź S.A."))

    # when
    response = client_for(agent).get(EXPORT_URL)

    # then
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert response["Content-Disposition"].endswith('.csv"')
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbfNumber,Subject,Status,")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == HEADER
    assert table[1][1] == "Zażółć gęślą jaźń: ąęłńóśźż ĄĘŁŃÓŚŹŻ"
    assert table[1][7] == "Łódź S.A."


def test_export_neutralises_formulas_in_every_text_cell(agent):
    # given
    make_case(
        '=HYPERLINK("http://zly.example","Kliknij")',
        account=AccountFactory(name="@Firma"),
        annotation="-2+3",
    )

    # when
    table = rows(client_for(agent).get(EXPORT_URL))

    # then
    assert table[1][1] == '\'=HYPERLINK("http://zly.example","Kliknij")'
    assert table[1][7] == "'@Firma"
    assert table[1][12] == "'-2+3"


def test_export_has_one_row_per_filtered_case_in_the_lists_order(agent, manager):
    # given
    agent.first_name, agent.last_name = "Anna", "Kowalska"
    agent.save()
    make_case("Awaria B", by=agent, assignee=agent, due_date=dt.date(2099, 1, 31))
    make_case("Awaria A")
    make_case("Faktura")

    # when
    table = rows(client_for(agent).get(EXPORT_URL, {"subject": "awaria", "ordering": "subject"}))

    # then
    assert [row[1] for row in table[1:]] == ["Awaria A", "Awaria B"]
    number, _subject, status, priority, *_rest = table[2]
    assert (status, priority) == ("New", "Normal")
    assert table[2][8:10] == ["Anna Kowalska", "Anna Kowalska"]
    assert table[2][11] == "2099-01-31"
    assert number == str(Case.objects.get(subject="Awaria B").number)


def test_export_writes_times_in_the_users_time_zone(agent):
    # given
    case = make_case()
    Case.objects.filter(pk=case.pk).update(
        created_at=dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)
    )
    agent.time_zone = "America/New_York"
    agent.save(update_fields=["time_zone"])

    # when
    table = rows(client_for(agent).get(EXPORT_URL))

    # then
    assert table[1][10] == "2026-07-01 06:30"


def test_export_leaves_out_cases_the_user_cannot_see(outsider, support_team):
    # given
    make_case("Jawna", account=AccountFactory())
    make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))

    # when
    table = rows(client_for(outsider).get(EXPORT_URL))

    # then
    assert [row[1] for row in table[1:]] == ["Jawna"]


def test_export_with_an_invalid_filter_says_why(agent):
    # when
    response = client_for(agent).get(EXPORT_URL, {"created_from": "abc"})

    # then
    assert response.status_code == 400
    assert response.text == "The filter is not valid:\nCreated from: Enter a valid date."


def test_export_reads_rows_in_chunks_not_all_at_once(agent, monkeypatch):
    # given
    for n in range(3):
        make_case(f"Sprawa {n}")
    chunk_sizes: list[int] = []
    original = type(Case.objects.all()).iterator

    def spy(queryset, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(type(Case.objects.all()), "iterator", spy)

    # when
    lines = export.export_csv(
        Case.objects.all(), header=HEADER, zone=zoneinfo.ZoneInfo("Europe/Warsaw")
    )

    # then: nothing is read until the stream is consumed, then in chunks of 2000
    assert chunk_sizes == []
    assert len(list(lines)) == 4
    assert chunk_sizes == [2000]
