"""The import pages: upload, mapping, check, duplicate review, progress, result and undo."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kartoteka.customers.models import Account
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.tests.helpers import checked_import, csv_bytes, upload
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.django_db


def _file(rows=None) -> bytes:
    return csv_bytes(rows or [["Łąka Sp. z o.o.", valid_nip(1), "", "Łódź", "", "", "", ""]])


def test_the_empty_import_page_offers_the_sample_and_the_templates(agent_client):
    response = agent_client.get(reverse("imports:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Try the sample" in page
    assert reverse("imports:template", args=["csv"]) in page
    assert reverse("imports:template", args=["xlsx"]) in page


def test_templates_download(agent_client):
    csv_response = agent_client.get(reverse("imports:template", args=["csv"]))
    assert csv_response.status_code == 200
    assert csv_response["Content-Disposition"] == 'attachment; filename="kartoteka-import.csv"'
    xlsx = agent_client.get(reverse("imports:template", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert agent_client.get(reverse("imports:template", args=["pdf"])).status_code == 404


def test_upload_proposes_the_encoding_and_the_mapping(agent_client, agent):
    response = agent_client.post(
        reverse("imports:list"), {"file": upload(_file()), "skip_header": "on", "encoding": ""}
    )
    batch = Import.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:mapping", args=[batch.pk])
    assert batch.created_by == agent
    page = agent_client.get(response["Location"]).content.decode()
    assert 'data-proposed-encoding="cp1250"' in page
    assert '<option value="cp1250" selected>' in page
    assert "Łąka Sp. z o.o." in page


def test_an_oversized_upload_is_refused_with_a_clear_message(agent_client):
    with override_settings(IMPORT_MAX_MB=1):
        response = agent_client.post(
            reverse("imports:list"),
            {"file": upload(b"Nazwa\r\n" + b"x" * (2 * 1024 * 1024)), "skip_header": "on"},
        )
    assert response.status_code == 400
    assert "an import takes at most 1.0" in response.content.decode()
    assert not Import.objects.exists()


def test_the_sample_is_offered_and_checked(agent_client):
    AccountFactory(name="Demo", nip=valid_nip(99))
    response = agent_client.post(reverse("imports:sample"))
    batch = Import.objects.get()
    assert batch.encoding == "cp1250"
    mapping = {f"column_{index}": key for index, key in batch.mapping.items()}
    response = agent_client.post(
        reverse("imports:mapping", args=[batch.pk]),
        {"encoding": "cp1250", "delimiter": ";", "skip_header": "on", **mapping},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == Import.State.CHECKED
    assert batch.invalid_rows == 3
    assert batch.duplicate_rows >= 2
    page = agent_client.get(reverse("imports:check", args=[batch.pk])).content.decode()
    assert "Przedsiębiorstwo Handlowe Żuraw" in page
    assert "Invalid rows" in page


def test_mapping_and_check_pages(agent_client, agent):
    batch = Import.objects.get(pk=checked_import(agent, _file()).pk)
    page = agent_client.get(reverse("imports:check", args=[batch.pk])).content.decode()
    assert "Łąka Sp. z o.o." in page
    assert "Import 1 row" in page


def test_someone_elses_import_is_404(outsider_client, agent, manager):
    batch = checked_import(agent, _file())
    for name in ("detail", "mapping", "check", "duplicates", "progress", "result"):
        assert outsider_client.get(reverse(f"imports:{name}", args=[batch.pk])).status_code == 404
    assert outsider_client.post(reverse("imports:start", args=[batch.pk])).status_code == 404
    assert outsider_client.post(reverse("imports:undo", args=[batch.pk])).status_code == 404
    # a manager sees it
    response = client_for(manager).get(reverse("imports:check", args=[batch.pk]))
    assert response.status_code == 200


def test_posts_need_the_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    batch = checked_import(agent, _file())
    assert client.post(reverse("imports:start", args=[batch.pk])).status_code == 403


def _duplicates(agent, count: int) -> Import:
    rows = []
    for n in range(count):
        AccountFactory(name=f"Istniejąca {n}", nip=valid_nip(1000 + n))
        rows.append([f"Nowa {n}", valid_nip(1000 + n), "", "Płock", "", "", "", ""])
    return checked_import(agent, csv_bytes(rows))


def test_duplicate_review_shows_both_sides_with_constant_queries(
    agent_client, agent, django_assert_max_num_queries
):
    batch = _duplicates(agent, 60)
    url = reverse("imports:duplicates", args=[batch.pk])
    with django_assert_max_num_queries(12):
        response = agent_client.get(url)
    page = response.content.decode()
    assert "Istniejąca 0" in page
    assert "Nowa 0" in page
    assert 'class="import-clash"' in page
    assert "Close without deleting — then all entries are added" in page
    with django_assert_max_num_queries(12):
        agent_client.get(url + "?page=2")


def test_review_actions(agent_client, agent, django_capture_on_commit_callbacks):
    batch = _duplicates(agent, 3)
    first, second, third = batch.rows.order_by("line")
    url = reverse("imports:rows", args=[batch.pk])
    back = reverse("imports:duplicates", args=[batch.pk])
    agent_client.post(
        url, {"single": f"update:{first.pk}", "update_fields": ["city"], "next": back}
    )
    agent_client.post(url, {"action": "strike", "rows": [second.pk], "next": back})
    agent_client.post(url, {"action": "delete", "rows": [second.pk, third.pk], "next": back})
    response = agent_client.post(url, {"single": f"new:{third.pk}", "next": back})
    assert response["Location"] == back
    decisions = dict(batch.rows.values_list("pk", "decision"))
    assert decisions == {first.pk: "update", second.pk: "skip", third.pk: "new"}
    assert ImportRow.objects.get(pk=first.pk).update_fields == ["city"]
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(reverse("imports:start", args=[batch.pk]))
    assert response["Location"] == reverse("imports:progress", args=[batch.pk])
    assert agent_client.get(response["Location"])["Location"] == reverse(
        "imports:detail", args=[batch.pk]
    )
    result = agent_client.get(reverse("imports:result", args=[batch.pk])).content.decode()
    assert "Undo the import" in result
    assert Account.objects.get(nip=valid_nip(1000), name="Istniejąca 0").city == "Płock"
    assert Account.objects.filter(nip=valid_nip(1002)).count() == 2
    agent_client.post(reverse("imports:undo", args=[batch.pk]))
    assert Account.objects.filter(nip=valid_nip(1002)).count() == 1
    assert Account.objects.get(nip=valid_nip(1000)).city != "Płock"


def test_row_edit_marks_clashing_fields_and_rechecks(agent_client, agent):
    batch = _duplicates(agent, 1)
    row = batch.rows.get()
    url = reverse("imports:row-edit", args=[batch.pk, row.pk])
    page = agent_client.get(url).content.decode()
    assert "clashes" in page
    response = agent_client.post(url, {"nip": valid_nip(5000), "name": "Nowa 0"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.values["nip"] == valid_nip(5000)
    assert not row.is_duplicate


def test_fix_a_cell_in_place(agent_client, agent):
    batch = checked_import(agent, csv_bytes([["Zła", "123", "", "", "", "", "", ""]]))
    row = batch.rows.get()
    check = reverse("imports:check", args=[batch.pk])
    assert "Invalid rows" in agent_client.get(check).content.decode()
    agent_client.post(
        reverse("imports:row-fix", args=[batch.pk, row.pk]),
        {"field": "nip", "value": valid_nip(7), "next": check},
    )
    row.refresh_from_db()
    assert row.valid


def test_progress_json(agent_client, agent):
    batch = checked_import(agent, _file())
    data = agent_client.get(reverse("imports:progress-json", args=[batch.pk])).json()
    assert data == {
        "state": "checked",
        "done": 0,
        "total": 0,
        "rows_per_second": None,
        "seconds_left": None,
        "error": "",
    }


def test_the_progress_bar_polls_while_running(agent_client, agent):
    from kartoteka.imports.progress import progress_clear, progress_write

    batch = checked_import(agent, _file())
    Import.objects.filter(pk=batch.pk).update(state=Import.State.RUNNING)
    progress_write(batch.pk, done=40, total=100, started=0.0, phase="import")
    try:
        url = reverse("imports:progress", args=[batch.pk])
        page = agent_client.get(url).content.decode()
        assert 'hx-trigger="every 1s"' in page
        fragment = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert '<progress max="100" value="40">' in fragment
        assert "40 of 100 rows" in fragment
        data = agent_client.get(reverse("imports:progress-json", args=[batch.pk])).json()
        assert (data["state"], data["done"], data["total"]) == ("running", 40, 100)
    finally:
        progress_clear(batch.pk)
    Import.objects.filter(pk=batch.pk).update(state=Import.State.DONE)
    response = agent_client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == batch.get_absolute_url()


def test_reading_again_with_another_encoding(agent_client, agent):
    from kartoteka.imports import services

    batch = services.import_create(by=agent, upload=upload(_file()), encoding="utf-8")
    assert "Łąka" not in " ".join(batch.sample[0])
    response = agent_client.post(
        reverse("imports:mapping", args=[batch.pk]),
        {"encoding": "cp1250", "delimiter": ";", "skip_header": "on", "reread": "1"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.encoding, batch.state) == ("cp1250", "uploaded")
    assert batch.sample[0][0] == "Łąka Sp. z o.o."
    assert batch.mapping["0"] == "name"
