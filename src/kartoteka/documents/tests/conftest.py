from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kartoteka.customers.models import Account
from kartoteka.documents.models import Document, DocumentType
from kartoteka.documents.services import document_create
from kartoteka.people.models import User
from kartoteka.testing.customers import AccountFactory


def upload(name: str = "offer.txt", data: bytes = b"Oferta na drukarki") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_document(
    *, by: User, account: Account, title: str = "Offer 2026", **data: Any
) -> Document:
    data.setdefault("files", [upload()])
    data.setdefault("document_type", DocumentType.objects.get(name="Offer"))
    return document_create(by=by, account=account, title=title, **data)


@pytest.fixture
def account(db: None) -> Account:
    return AccountFactory(name="Drukpol")


@pytest.fixture
def restricted_account(support_team, supervisor) -> Account:
    return AccountFactory(name="Tajna Sp. z o.o.", restricted=True, team=support_team)
