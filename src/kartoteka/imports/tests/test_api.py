"""`/api/v1/imports/`: upload, dry run, confirm, undo; 404 for someone else's import."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kartoteka.customers.models import Account
from kartoteka.imports.models import Import
from kartoteka.imports.tests.helpers import csv_bytes, upload
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_upload_dry_run_confirm_and_undo(agent, django_capture_on_commit_callbacks):
    AccountFactory(name="Stara", nip=valid_nip(2))
    client = _client(agent)
    data = csv_bytes(
        [
            ["Nowa Łąka", valid_nip(1), "", "Łódź", "", "", "", ""],
            ["Duplikat", valid_nip(2), "", "", "", "", "", ""],
            ["Zła", "123", "", "", "", "", "", ""],
        ]
    )
    # upload
    response = client.post(
        "/api/v1/imports/", {"file": upload(data), "segment_name": "API"}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["proposed_encoding"], body["delimiter"], body["state"]) == (
        "cp1250",
        ";",
        "uploaded",
    )
    assert body["mapping"]["0"] == "name"
    pk = body["id"]
    # dry run
    response = client.post(f"/api/v1/imports/{pk}/check/", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["total_rows"], body["invalid_rows"], body["duplicate_rows"]) == (3, 1, 1)
    assert body["invalid"][0]["line"] == 4
    assert set(body["invalid"][0]["errors"]) == {"nip"}
    assert body["duplicates"][0]["duplicates"][0]["account_name"] == "Stara"
    assert Account.objects.count() == 1
    # confirming with invalid rows is refused unless they are skipped
    response = client.post(f"/api/v1/imports/{pk}/confirm/", {}, format="json")
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/imports/{pk}/confirm/",
            {"on_duplicate": "skip", "skip_invalid": True},
            format="json",
        )
    assert response.status_code == 202
    body = client.get(f"/api/v1/imports/{pk}/").json()
    assert (body["state"], body["created_count"], body["skipped_count"]) == ("done", 1, 2)
    assert Account.objects.filter(name="Nowa Łąka", segments__name="API").exists()
    # undo
    response = client.post(f"/api/v1/imports/{pk}/undo/")
    assert response.json()["state"] == "undone"
    assert not Account.objects.filter(name="Nowa Łąka").exists()


def test_an_unreadable_upload_is_a_400_with_the_reason(agent):
    response = _client(agent).post(
        "/api/v1/imports/", {"file": upload(b"", "puste.csv")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["The submitted file is empty."]}
    response = _client(agent).post(
        "/api/v1/imports/", {"file": upload(b"\r\n\r\n", "puste.csv")}, format="multipart"
    )
    assert response.json() == {"file": ["The file is empty."]}
    assert not Import.objects.exists()


def test_someone_elses_import_is_404(agent, outsider, manager):
    client = _client(agent)
    data = csv_bytes([["A", valid_nip(3), "", "", "", "", "", ""]])
    pk = client.post("/api/v1/imports/", {"file": upload(data)}, format="multipart").json()["id"]
    other = _client(outsider)
    assert other.get(f"/api/v1/imports/{pk}/").status_code == 404
    assert other.post(f"/api/v1/imports/{pk}/check/", {}, format="json").status_code == 404
    assert other.post(f"/api/v1/imports/{pk}/confirm/", {}, format="json").status_code == 404
    assert other.get("/api/v1/imports/").json()["count"] == 0
    assert _client(manager).get(f"/api/v1/imports/{pk}/").status_code == 200


def test_the_list_takes_constant_queries(agent, django_assert_max_num_queries):
    client = _client(agent)
    for n in range(5):
        data = csv_bytes([["A", valid_nip(10 + n), "", "", "", "", "", ""]])
        client.post("/api/v1/imports/", {"file": upload(data)}, format="multipart")
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/imports/")
    assert response.json()["count"] == 5
