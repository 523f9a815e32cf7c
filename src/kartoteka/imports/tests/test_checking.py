"""The check in the worker: claimed by the page, staged by the task with progress, and a
failure that says why and leaves the import to be checked again."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kartoteka.customers.models import Account
from kartoteka.imports import checking, services
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.progress import Ticker, progress_read
from kartoteka.imports.reading import rows_estimate
from kartoteka.imports.tasks import check_import
from kartoteka.imports.tests.helpers import csv_bytes, upload
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_worker(monkeypatch):
    """Every file is checked in the worker, however small."""
    monkeypatch.setattr(checking, "CHECK_AT_ONCE_BYTES", -1)


def _rows(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"Firma Łąka {n}", valid_nip(start + n), "", "Łódź", "", "", "", ""] for n in range(count)
    ]


def _mapping_post(batch: Import) -> dict[str, str]:
    return {
        "encoding": batch.encoding,
        "delimiter": batch.delimiter,
        "skip_header": "on",
        **{f"column_{index}": key for index, key in batch.mapping.items()},
    }


def test_the_page_hands_the_check_to_the_worker_and_shows_its_results(
    in_worker, agent, agent_client, django_capture_on_commit_callbacks
):
    # given an uploaded file of 120 rows, one repeating an existing NIP
    AccountFactory(name="Stara", nip=valid_nip(5))
    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(120))))
    # when the columns are confirmed
    with django_capture_on_commit_callbacks() as callbacks:
        response = agent_client.post(
            reverse("imports:mapping", args=[batch.pk]), _mapping_post(batch)
        )
    # then the request only claimed the check: nothing is staged yet, the page shows progress
    batch.refresh_from_db()
    assert (batch.state, batch.check_scope) == ("checking", "all")
    assert not ImportRow.objects.exists()
    assert response["Location"] == reverse("imports:detail", args=[batch.pk])
    assert agent_client.get(response["Location"])["Location"] == reverse(
        "imports:progress", args=[batch.pk]
    )
    page = agent_client.get(reverse("imports:progress", args=[batch.pk])).content.decode()
    assert "Checking klienci.csv" in page
    assert 'hx-trigger="every 1s"' in page
    # the rows cannot be changed meanwhile
    with pytest.raises(services.ImportStateError):
        services.import_map(batch=batch, by=agent, mapping={0: "name"})
    # when the worker runs the task enqueued after the commit
    assert len(callbacks) == 1
    callbacks[0]()
    # then the import is checked, and the progress page sends the browser to the results
    batch.refresh_from_db()
    assert (batch.state, batch.total_rows, batch.duplicate_rows, batch.error) == (
        "checked",
        120,
        1,
        "",
    )
    fragment = agent_client.get(
        reverse("imports:progress", args=[batch.pk]), headers={"HX-Request": "true"}
    )
    assert fragment["HX-Redirect"] == batch.get_absolute_url()
    page = agent_client.get(reverse("imports:check", args=[batch.pk])).content.decode()
    assert "120 rows read" in page
    assert "Review 1 duplicate" in page


def test_the_check_writes_its_progress_as_it_reads(in_worker, agent, monkeypatch):
    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(700))))
    services.import_map(
        batch=batch, by=agent, mapping={int(k): v for k, v in batch.mapping.items()}
    )
    assert checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)
    seen: list[tuple[str, int, int]] = []
    original = Ticker.tick

    def spy(self, done=None, *, force=False):
        original(self, done, force=True)
        progress = progress_read(self.import_id)
        seen.append((progress.phase, progress.done, progress.total))

    monkeypatch.setattr(Ticker, "tick", spy)
    assert check_import.call(batch.pk) == "checked"
    assert seen[0] == ("check", 0, 700)
    assert seen[-1] == ("check", 700, 700)
    assert [done for _phase, done, _total in seen] == sorted(done for _p, done, _t in seen)
    assert len(seen) == 1 + 700 // 50
    # the side file is gone once the check ended
    assert progress_read(batch.pk) is None


def test_a_failed_check_says_why_and_can_be_checked_again(
    in_worker, agent, agent_client, django_capture_on_commit_callbacks
):
    # given a Windows-1250 file read as UTF-8
    data = csv_bytes(_rows(3, 40))
    batch = services.import_create(by=agent, upload=upload(data), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            reverse("imports:mapping", args=[batch.pk]),
            {**_mapping_post(batch), "encoding": "utf-8"},
        )
    # then the import is back on its columns with the reason, nothing staged
    batch.refresh_from_db()
    assert batch.state == Import.State.MAPPED
    assert "cannot be read as UTF-8" in batch.error
    assert not ImportRow.objects.exists()
    response = agent_client.get(batch.get_absolute_url())
    assert response["Location"] == reverse("imports:mapping", args=[batch.pk])
    page = agent_client.get(response["Location"]).content.decode()
    assert "cannot be read as UTF-8" in page
    # when checked again with the right encoding
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            reverse("imports:mapping", args=[batch.pk]),
            {**_mapping_post(batch), "encoding": "cp1250"},
        )
    batch.refresh_from_db()
    assert (batch.state, batch.total_rows, batch.error) == ("checked", 3, "")
    assert ImportRow.objects.get(line=2).values["name"] == "Firma Łąka 0"


def test_an_unexpected_failure_rolls_the_staging_back(in_worker, agent, monkeypatch):
    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(1500, 100))))
    services.import_map(
        batch=batch, by=agent, mapping={int(k): v for k, v in batch.mapping.items()}
    )
    assert checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("kartoteka.imports.staging.duplicates_find", broken)
    monkeypatch.setattr("kartoteka.imports.staging.holders_find", broken)
    batch = checking.check_in_worker(import_id=batch.pk)
    assert batch.state == Import.State.MAPPED
    assert batch.error == "The check failed: disk full"
    assert not ImportRow.objects.exists()


def test_a_second_delivery_of_the_check_changes_nothing(in_worker, agent):
    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(5, 200))))
    services.import_map(
        batch=batch, by=agent, mapping={int(k): v for k, v in batch.mapping.items()}
    )
    assert checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)
    assert not checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)
    assert check_import.call(batch.pk) == "checked"
    ImportRow.objects.filter(line=2).update(decision=ImportRow.Decision.SKIP)
    assert check_import.call(batch.pk) == "checked"
    assert ImportRow.objects.get(line=2).decision == ImportRow.Decision.SKIP
    assert ImportRow.objects.count() == 5


def test_a_check_whose_worker_went_away_can_be_checked_again(in_worker, agent, monkeypatch):
    import time

    from kartoteka.imports.selectors import import_get_for_user

    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(2, 300))))
    services.import_map(
        batch=batch, by=agent, mapping={int(k): v for k, v in batch.mapping.items()}
    )
    assert checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)
    assert import_get_for_user(agent, batch.pk).state == Import.State.CHECKING
    monkeypatch.setattr(time, "time", lambda: 10**10)
    batch = import_get_for_user(agent, batch.pk)
    assert batch.state == Import.State.MAPPED
    assert "worker stopped during the check" in batch.error
    assert checking.check_claim(batch=batch, scope=Import.CheckScope.ALL)


def test_a_small_file_is_checked_at_once(agent, agent_client):
    batch = services.import_create(by=agent, upload=upload(csv_bytes(_rows(3, 400))))
    response = agent_client.post(reverse("imports:mapping", args=[batch.pk]), _mapping_post(batch))
    batch.refresh_from_db()
    assert batch.state == Import.State.CHECKED
    assert agent_client.get(response["Location"])["Location"] == reverse(
        "imports:check", args=[batch.pk]
    )


def test_the_api_answers_202_and_the_results_when_checked(
    in_worker, agent, outsider, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_authenticate(agent)
    data = csv_bytes([*_rows(2, 500), ["Zła", "123", "", "", "", "", "", ""]])
    pk = client.post("/api/v1/imports/", {"file": upload(data)}, format="multipart").json()["id"]
    response = client.get(f"/api/v1/imports/{pk}/check/")
    assert response.status_code == 400
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/api/v1/imports/{pk}/check/", {}, format="json")
    assert response.status_code == 202
    assert response.json()["state"] == "checking"
    assert client.get(f"/api/v1/imports/{pk}/check/").status_code == 202
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(f"/api/v1/imports/{pk}/check/").status_code == 404
    callbacks[0]()
    assert client.get(f"/api/v1/imports/{pk}/").json()["state"] == "checked"
    body = client.get(f"/api/v1/imports/{pk}/check/").json()
    assert (body["total_rows"], body["invalid_rows"]) == (3, 1)
    assert body["invalid"][0]["line"] == 4
    assert body["contacts"] is None
    assert not Account.objects.exists()


def test_rows_are_estimated_from_line_breaks(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'Nazwa;Uwagi\r\nA;"dwie\r\nlinie"\r\nB;x')
    assert rows_estimate(path, skip_header=True) == 3
    assert rows_estimate(path, skip_header=False) == 4
