"""Imports of customers and leads: the uploaded file, its staged rows and what the run did.

An ``Import`` walks ``uploaded → mapped → checking → checked → running → done`` (or
``failed``, which can be started again, and ``undone`` after a successful undo). ``checking``
is the check in the worker: it ends ``checked``, or goes back to where it started
(``mapped``, or ``checked`` when only a contacts file was checked) with the reason in
``error``. Its rows are staged in ``ImportRow`` with their raw cells, normalised values,
errors, duplicates and the user's decision; nothing reaches the customers' tables before the
run. A second file of contacts (``ContactFile``) has its rows staged in ``ContactRow``, each
matched to a row of the import or to an existing account. ``ImportedRecord`` is the undo
log: what the run created, and for what it updated, the values before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kartoteka.people.models import User


class ImportQuerySet(models.QuerySet["Import"]):
    def visible_to(self, user: User) -> ImportQuerySet:
        """An import is seen by whoever uploaded it, by managers and by administrators."""
        if not user.is_authenticated or not user.is_staff_member:
            return self.none()
        if user.sees_everything:
            return self.all()
        return self.filter(created_by=user)


class Import(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Columns mapped")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class CheckScope(models.TextChoices):
        ALL = "all", _("Every row")
        CONTACTS = "contacts", _("The contacts file")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.CSV)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    proposed_encoding = models.CharField(_("proposed encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    skip_header = models.BooleanField(_("first row is a header"), default=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    sample = models.JSONField(_("sample rows"), default=list, blank=True)
    file_warnings = models.JSONField(_("file warnings"), default=list, blank=True)
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A segment typed new: created by the run (inside its transaction).
    segment_name = models.CharField(_("new segment"), max_length=100, blank=True)
    # Column index (as a string) → field key of ``imports.columns``; missing means ignored.
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    invalid_rows = models.PositiveIntegerField(_("invalid rows"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("duplicate rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    # Contacts of the contacts file: created, and not imported (their account's row was not).
    contacts_created = models.PositiveIntegerField(_("contacts created"), default=0)
    contacts_skipped = models.PositiveIntegerField(_("contacts not imported"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_to_do = models.PositiveIntegerField(_("rows to do"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # What the check in the worker (state ``checking``) reads: every row, or the contacts file.
    check_scope = models.CharField(
        _("check scope"), max_length=8, choices=CheckScope, blank=True, default=""
    )
    # What an undo could not take back, one line each.
    undo_report = models.JSONField(_("undo report"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])


class ImportRowQuerySet(models.QuerySet["ImportRow"]):
    def visible_to(self, user: User) -> ImportRowQuerySet:
        return self.filter(batch__in=Import.objects.visible_to(user))


class ImportRow(models.Model):
    """One data row of the file, staged."""

    class Decision(models.TextChoices):
        NEW = "new", _("Import as a new record")
        UPDATE = "update", _("Update the existing record")
        SKIP = "skip", _("Skip")

    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("line"))
    # Field key → the cell (or cells, for a field mapped from several columns) as read.
    raw = models.JSONField(_("cells"), default=dict)
    values = models.JSONField(_("values"), default=dict)
    # Field key → list of messages.
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    warnings = models.JSONField(_("warnings"), default=dict, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    # [{"field", "value", "account", "account_name", "line"}]: what the row clashes with.
    duplicates = models.JSONField(_("duplicates"), default=list, blank=True)
    is_duplicate = models.BooleanField(_("duplicate"), default=False)
    # The existing account the row clashes with first (the one "update" changes).
    target = models.ForeignKey(
        "customers.Account",
        verbose_name=_("existing account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision, default=Decision.NEW)
    struck = models.BooleanField(_("struck out"), default=False)
    update_fields = models.JSONField(_("fields to update"), default=list, blank=True)

    objects = ImportRowQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_row_unique_line"),
        ]
        indexes = [
            models.Index(
                fields=["batch", "line"],
                condition=Q(is_duplicate=True),
                name="import_row_duplicates",
            ),
            models.Index(
                fields=["batch", "line"], condition=Q(valid=False), name="import_row_invalid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class ImportedRecord(models.Model):
    """The undo log: one object the run created or updated."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    class Model(models.TextChoices):
        ACCOUNT = "account", _("Account")
        CONTACT = "contact", _("Contact")

    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="records")
    line = models.PositiveIntegerField(_("line"))
    model = models.CharField(_("model"), max_length=16, choices=Model)
    object_id = models.BigIntegerField(_("object"))
    action = models.CharField(_("action"), max_length=8, choices=Action)
    # For an update: the changed fields' values before it ({"field": value}).
    previous = models.JSONField(_("previous values"), default=dict, blank=True)
    # The object's ``updated_at`` right after the run: a later one means someone changed it.
    stamp = models.DateTimeField(_("stamp"))

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        indexes = [models.Index(fields=["batch", "model", "action"], name="imported_record_kind")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} {self.action}"


class ContactFile(models.Model):
    """A second file of an import: contacts matched to its accounts by NIP or name."""

    batch = models.OneToOneField(Import, on_delete=models.CASCADE, related_name="contact_file")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Import.Kind, default=Import.Kind.CSV)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    proposed_encoding = models.CharField(_("proposed encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=4, blank=True)
    skip_header = models.BooleanField(_("first row is a header"), default=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    sample = models.JSONField(_("sample rows"), default=list, blank=True)
    file_warnings = models.JSONField(_("file warnings"), default=list, blank=True)
    # Column index (as a string) → field key of ``columns.CONTACT_FILE_FIELDS``.
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    checked = models.BooleanField(_("checked"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    # Rows that will not be imported: invalid, unmatched or ambiguous (and not skipped).
    problem_rows = models.PositiveIntegerField(_("rows with problems"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contacts file")
        verbose_name_plural = _("contacts files")

    def __str__(self) -> str:
        return self.original_name


class ContactRowQuerySet(models.QuerySet["ContactRow"]):
    def visible_to(self, user: User) -> ContactRowQuerySet:
        return self.filter(batch__in=Import.objects.visible_to(user))


class ContactRow(models.Model):
    """One data row of the contacts file, staged and matched."""

    class Match(models.TextChoices):
        ROW = "row", _("A row of this import")
        ACCOUNT = "account", _("An existing account")
        UNMATCHED = "unmatched", _("No match")
        AMBIGUOUS = "ambiguous", _("Several matches")

    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="contact_rows")
    line = models.PositiveIntegerField(_("line"))
    raw = models.JSONField(_("cells"), default=dict)
    values = models.JSONField(_("values"), default=dict)
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    match = models.CharField(_("match"), max_length=10, choices=Match, blank=True)
    # The line of the import's row it belongs to (a line, not a key: the rows are staged
    # again by every check, the lines stay).
    row_line = models.PositiveIntegerField(_("line of the account"), null=True, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("existing account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    skipped = models.BooleanField(_("skipped"), default=False)

    objects = ContactRowQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = _("contact row")
        verbose_name_plural = _("contact rows")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="import_contact_unique_line"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"

    @property
    def matched(self) -> bool:
        return self.valid and self.match in (self.Match.ROW, self.Match.ACCOUNT)
