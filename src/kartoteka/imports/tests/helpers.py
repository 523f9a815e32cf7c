"""Files and steps the import tests share."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kartoteka.imports import services
from kartoteka.imports.models import Import
from kartoteka.people.models import User

HEADERS = ["Nazwa", "NIP", "REGON", "Miejscowość", "Telefon", "E-mail", "Imię", "Nazwisko"]


def csv_bytes(
    rows: list[list[str]], *, encoding: str = "cp1250", headers: list[str] | None = None
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers or HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(data: bytes, name: str = "klienci.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def checked_import(by: User | None, data: bytes, **options: Any) -> Import:
    """Upload, map as proposed and check: the import as the review pages see it."""
    batch = services.import_create(by=by, upload=upload(data), **options)
    mapping = {int(index): key for index, key in batch.mapping.items()}
    services.import_map(batch=batch, by=by, mapping=mapping)
    return services.import_check_run(batch=batch, by=by)
