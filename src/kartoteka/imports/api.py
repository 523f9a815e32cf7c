"""The API of imports (``/api/v1/imports/``): upload, mapping with a dry run, confirm, undo.

1. ``POST /api/v1/imports/`` (multipart: ``file``, optional ``skip_header``, ``encoding``,
   ``delimiter``, ``segment`` or ``segment_name``) stores the file and answers what was read:
   the proposed encoding, the delimiter, the headers, sample rows and the proposed mapping.
2. ``POST /api/v1/imports/{id}/check/`` (``mapping`` column index → field key, optional
   ``encoding``, ``delimiter``, ``skip_header``) checks every row: the dry run. A small file is
   checked at once: 200 with the counts, the invalid rows with the reason per cell, and the
   duplicates. A larger one is checked in the worker: 202 with the import (state
   ``checking``, its ``progress``); poll ``GET …/{id}/`` until the state is ``checked`` (or
   back to ``mapped`` with the reason in ``error``), then ``GET …/{id}/check/`` answers the
   same 200 as above.
   Contacts in a file of their own: ``POST …/{id}/contacts/`` (multipart: ``file``, optional
   ``skip_header``, ``encoding``, ``delimiter``) answers what was read and the proposed
   columns; ``POST …/{id}/contacts/check/`` (``mapping``, the same options) checks the
   contacts and matches each to its account by NIP or name (200 or 202, as above); the
   check's answer then holds ``contacts`` (the counts and the rows not matched, with why).
3. ``POST /api/v1/imports/{id}/confirm/`` (``on_duplicate``: ``skip``, ``update`` or ``new``;
   invalid rows are skipped with ``skip_invalid``) starts the run in the worker (202); poll
   ``GET /api/v1/imports/{id}/`` for the state and the progress.
4. ``POST /api/v1/imports/{id}/undo/`` takes a finished import back.

Imports are seen by whoever uploaded them, managers and administrators; 404 for the others.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from kartoteka.core.rest import service_error
from kartoteka.customers.models import Segment
from kartoteka.imports import selectors, services
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.progress import progress_read
from kartoteka.imports.reading import DELIMITERS, ENCODINGS
from kartoteka.imports.running import UPDATABLE
from kartoteka.people.models import User

ROWS_SHOWN = 100


def _user(request: Request) -> User:
    return cast(User, request.user)


class ImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField(
        help_text="uploaded, mapped, checking, checked, running, done, failed or undone."
    )
    original_name = serializers.CharField()
    kind = serializers.CharField()
    encoding = serializers.CharField()
    proposed_encoding = serializers.CharField()
    delimiter = serializers.CharField()
    skip_header = serializers.BooleanField()
    headers = serializers.ListField(child=serializers.CharField())
    sample = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    file_warnings = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(
        child=serializers.CharField(), help_text="Column index → field key."
    )
    segment = serializers.IntegerField(source="segment_id", allow_null=True)
    segment_name = serializers.CharField()
    total_rows = serializers.IntegerField()
    invalid_rows = serializers.IntegerField()
    duplicate_rows = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    skipped_count = serializers.IntegerField()
    contacts_created = serializers.IntegerField()
    contacts_skipped = serializers.IntegerField()
    progress = serializers.SerializerMethodField()
    error = serializers.CharField()
    undo_report = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()

    def get_progress(self, batch: Import) -> dict[str, Any] | None:
        working = (Import.State.CHECKING, Import.State.RUNNING)
        progress = progress_read(batch.pk) if batch.state in working else None
        if progress is None:
            return None
        return {
            "phase": progress.phase,
            "done": progress.done,
            "total": progress.total,
            "rows_per_second": round(progress.rows_per_second, 1),
            "seconds_left": progress.seconds_left,
        }


class RowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    values = serializers.DictField()
    errors = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]
    warnings = serializers.DictField(child=serializers.CharField())
    duplicates = serializers.ListField(child=serializers.DictField())


class ContactFileSerializer(serializers.Serializer):
    original_name = serializers.CharField()
    kind = serializers.CharField()
    encoding = serializers.CharField()
    proposed_encoding = serializers.CharField()
    delimiter = serializers.CharField()
    skip_header = serializers.BooleanField()
    headers = serializers.ListField(child=serializers.CharField())
    sample = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    file_warnings = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(
        child=serializers.CharField(), help_text="Column index → contact field key."
    )
    checked = serializers.BooleanField()


class ContactRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    values = serializers.DictField()
    errors = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]
    match = serializers.CharField(help_text="row, account, unmatched or ambiguous.")
    reason = serializers.CharField()


class ContactsResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    to_rows = serializers.IntegerField(help_text="Matched to rows of this import.")
    to_accounts = serializers.IntegerField(help_text="Matched to existing accounts.")
    problems = serializers.IntegerField(help_text="Invalid, not matched or ambiguous.")
    skipped = serializers.IntegerField()
    not_matched = serializers.ListField(child=ContactRowSerializer())


class CheckResultSerializer(ImportSerializer):
    invalid = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()

    def get_contacts(self, batch: Import) -> dict[str, Any] | None:
        contact_file = selectors.contact_file_of(batch)
        if contact_file is None or not contact_file.checked:
            return None
        counts = selectors.contact_counts(batch)
        problems = selectors.contact_problem_page(batch, 1).object_list
        return {
            "total": counts.total,
            "to_rows": counts.to_rows,
            "to_accounts": counts.to_accounts,
            "problems": counts.problems,
            "skipped": counts.skipped,
            "not_matched": ContactRowSerializer(list(problems)[:ROWS_SHOWN], many=True).data,
        }

    def _rows(self, rows: QuerySet[ImportRow]) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], RowSerializer(rows[:ROWS_SHOWN], many=True).data)

    def get_invalid(self, batch: Import) -> list[dict[str, Any]]:
        return self._rows(batch.rows.filter(valid=False).order_by("line"))

    def get_duplicates(self, batch: Import) -> list[dict[str, Any]]:
        return self._rows(batch.rows.filter(is_duplicate=True).order_by("line"))


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    skip_header = serializers.BooleanField(default=True)
    encoding = serializers.ChoiceField(choices=ENCODINGS, required=False)
    delimiter = serializers.ChoiceField(choices=DELIMITERS, required=False)
    segment = serializers.PrimaryKeyRelatedField(
        queryset=Segment.objects.all(), required=False, allow_null=True
    )
    segment_name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class CheckSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Column index → field key; absent columns are ignored. Default: as proposed.",
    )
    encoding = serializers.ChoiceField(choices=ENCODINGS, required=False)
    delimiter = serializers.ChoiceField(choices=DELIMITERS, required=False)
    skip_header = serializers.BooleanField(required=False)


class ConfirmSerializer(serializers.Serializer):
    on_duplicate = serializers.ChoiceField(choices=["skip", "update", "new"], default="new")
    skip_invalid = serializers.BooleanField(default=False)


def _file_error(error: services.ImportFileError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"file": [error.message]})


class ImportListApi(ListAPIView):
    """The user's imports (all of them for managers), newest first; upload a new one."""

    queryset = Import.objects.none()
    serializer_class = ImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Import]:
        return selectors.import_list(user=_user(self.request))

    @extend_schema(request=UploadSerializer, responses={201: ImportSerializer})
    def post(self, request: Request) -> Response:
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            batch = services.import_create(
                by=_user(request),
                upload=values["file"],
                skip_header=values["skip_header"],
                encoding=values.get("encoding", ""),
                delimiter=values.get("delimiter", ""),
                segment=values.get("segment"),
                segment_name=values.get("segment_name", ""),
            )
        except services.ImportFileError as error:
            raise _file_error(error) from error
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(ImportSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(GenericAPIView):
    """One import: its state, counts and, while it runs, its progress."""

    queryset = Import.objects.none()
    serializer_class = ImportSerializer

    def get(self, request: Request, pk: int) -> Response:
        batch = selectors.import_get_for_user(_user(request), pk)
        return Response(ImportSerializer(batch).data)


def _checked(batch: Import) -> Response:
    """The check's results (200), or the import while it is checked in the worker (202)."""
    if batch.state == Import.State.CHECKING:
        return Response(ImportSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
    return Response(CheckResultSerializer(batch).data)


class ImportCheckApi(GenericAPIView):
    """The dry run: map the columns and check every row; nothing is written."""

    queryset = Import.objects.none()
    serializer_class = CheckSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        request=None,
        responses={200: CheckResultSerializer, 202: ImportSerializer},
        description="The results of the last check (200), or 202 while the worker checks.",
    )
    def get(self, request: Request, pk: int) -> Response:
        batch = selectors.import_get_for_user(_user(request), pk)
        if batch.state in (Import.State.UPLOADED, Import.State.MAPPED):
            raise exceptions.ValidationError(
                {"state": [batch.error or _("Not checked yet: POST the mapping to check.")]}
            )
        return _checked(batch)

    @extend_schema(
        request=CheckSerializer,
        responses={200: CheckResultSerializer, 202: ImportSerializer},
        description="A small file is checked at once (200); a larger one in the worker "
        "(202): poll GET /api/v1/imports/{id}/ until it is checked.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        batch = selectors.import_get_for_user(user, pk)
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.import_map(batch=batch, by=user, **_reading(values, batch.mapping))
            batch = services.import_check_start(batch=batch, by=user)
        except services.ImportFileError as error:
            raise _file_error(error) from error
        except services.ImportStateError as error:
            raise exceptions.ValidationError({"state": [error.message]}) from error
        except DjangoValidationError as error:
            raise service_error(error) from error
        return _checked(batch)


class ContactsUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    skip_header = serializers.BooleanField(default=True)
    encoding = serializers.ChoiceField(choices=ENCODINGS, required=False)
    delimiter = serializers.ChoiceField(choices=DELIMITERS, required=False)


class ImportContactsApi(GenericAPIView):
    """Add (or replace) the import's file of contacts: what was read, the proposed columns."""

    queryset = Import.objects.none()
    serializer_class = ContactFileSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ContactsUploadSerializer, responses={201: ContactFileSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        batch = selectors.import_get_for_user(user, pk)
        data = ContactsUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            contact_file = services.contacts_upload(
                batch=batch,
                by=user,
                upload=values["file"],
                skip_header=values["skip_header"],
                encoding=values.get("encoding", ""),
                delimiter=values.get("delimiter", ""),
            )
        except services.ImportFileError as error:
            raise _file_error(error) from error
        except services.ImportStateError as error:
            raise exceptions.ValidationError({"state": [error.message]}) from error
        return Response(ContactFileSerializer(contact_file).data, status=status.HTTP_201_CREATED)


class ImportContactsCheckApi(GenericAPIView):
    """Match the contacts file's columns, check its rows and match each to its account."""

    queryset = Import.objects.none()
    serializer_class = CheckSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        request=CheckSerializer,
        responses={200: CheckResultSerializer, 202: ImportSerializer},
        description="Keys of the mapping: nip, name (the company's), contact_name, "
        "contact_first_name, contact_last_name, contact_position, contact_email, contact_phone.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        batch = selectors.import_get_for_user(user, pk)
        contact_file = selectors.contact_file_of(batch)
        if contact_file is None:
            raise exceptions.ValidationError({"file": [_("Add a contacts file first.")]})
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.contacts_map(batch=batch, by=user, **_reading(values, contact_file.mapping))
            batch = services.import_check_start(
                batch=batch, by=user, scope=Import.CheckScope.CONTACTS
            )
        except services.ImportFileError as error:
            raise _file_error(error) from error
        except services.ImportStateError as error:
            raise exceptions.ValidationError({"state": [error.message]}) from error
        except DjangoValidationError as error:
            raise service_error(error) from error
        return _checked(batch)


class ImportConfirmApi(GenericAPIView):
    """Start the run in the worker: every accepted row is imported, or none."""

    queryset = Import.objects.none()
    serializer_class = ConfirmSerializer
    parser_classes = [JSONParser]

    @extend_schema(request=ConfirmSerializer, responses={202: ImportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        batch = selectors.import_get_for_user(user, pk)
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if values["skip_invalid"]:
                ids = list(batch.rows.filter(valid=False).values_list("pk", flat=True))
                if ids:
                    services.rows_decide(batch=batch, by=user, action="skip", row_ids=ids)
            if values["on_duplicate"] == "skip":
                services.rows_decide(batch=batch, by=user, action="delete")
            elif values["on_duplicate"] == "update":
                ids = list(
                    batch.rows.filter(is_duplicate=True, target__isnull=False).values_list(
                        "pk", flat=True
                    )
                )
                if ids:
                    services.rows_decide(
                        batch=batch,
                        by=user,
                        action="update",
                        row_ids=ids,
                        update_fields=sorted(UPDATABLE),
                    )
            batch = services.import_start(batch=batch, by=user)
        except services.ImportStateError as error:
            raise exceptions.ValidationError({"state": [error.message]}) from error
        return Response(ImportSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportUndoApi(GenericAPIView):
    """Undo a finished import as far as its records were not changed since."""

    queryset = Import.objects.none()
    serializer_class = ImportSerializer

    @extend_schema(request=None, responses={200: ImportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        batch = selectors.import_get_for_user(user, pk)
        try:
            services.import_undo_run(batch=batch, by=user)
        except services.ImportStateError as error:
            raise exceptions.ValidationError({"state": [error.message]}) from error
        batch.refresh_from_db()
        return Response(ImportSerializer(batch).data)


app_name = "imports-api"
urlpatterns = [
    path("", ImportListApi.as_view(), name="list"),
    path("<int:pk>/", ImportDetailApi.as_view(), name="detail"),
    path("<int:pk>/check/", ImportCheckApi.as_view(), name="check"),
    path("<int:pk>/contacts/", ImportContactsApi.as_view(), name="contacts"),
    path("<int:pk>/contacts/check/", ImportContactsCheckApi.as_view(), name="contacts-check"),
    path("<int:pk>/confirm/", ImportConfirmApi.as_view(), name="confirm"),
    path("<int:pk>/undo/", ImportUndoApi.as_view(), name="undo"),
]


def _mapping_of(raw: dict[str, str]) -> dict[int, str]:
    """A posted mapping (column number → field key; an empty key ignores the column)."""
    try:
        return {int(index): key for index, key in raw.items() if key}
    except ValueError as error:
        raise exceptions.ValidationError({"mapping": [_("Keys are column numbers.")]}) from error


def _reading(values: dict[str, Any], saved_mapping: dict[str, str]) -> dict[str, Any]:
    """How a file is to be read, as a check request asks (the saved mapping unless it sends
    one): the keyword arguments of ``import_map`` and ``contacts_map``."""
    return {
        "mapping": _mapping_of(values.get("mapping", saved_mapping)),
        "encoding": values.get("encoding"),
        "delimiter": values.get("delimiter"),
        "skip_header": values.get("skip_header"),
    }
