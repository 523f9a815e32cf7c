"""The only code that writes cases.

Every function runs in one transaction. Case numbers come from one counter row that is
incremented with an ``UPDATE`` inside the creating transaction: concurrent creators queue on
that row (PostgreSQL row lock, SQLite's single writer), so no two cases get one number, and
the counter never goes back, so a deleted case's number is never given again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, router, transaction
from django.db.models import ForeignKey, QuerySet
from django.db.models.deletion import Collector
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import events, happenings, mentions
from kartoteka.cases.history import SENDER_REASON
from kartoteka.cases.models import (
    NOTICE_FIELDS,
    Case,
    CaseAttachment,
    CaseGroup,
    CaseNote,
    CaseSettings,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.cases.search_entries import case_entry, note_entry
from kartoteka.core.addresses import addresses_clean
from kartoteka.core.files import file_name_clean
from kartoteka.core.search_index import index_put, index_remove
from kartoteka.core.sentences import single_stop
from kartoteka.core.validation import ErrorCollector
from kartoteka.customers.models import EmailAddress

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from kartoteka.customers.models import Account, Contact
    from kartoteka.people.models import User

# Relations arrive as model instances already read from the database: checking that each still
# exists would cost one query per relation on every case written (mail creates many).
RELATIONS = [
    "status", "priority", "case_type", "category", "group", "account", "reporter", "assignee",
    "created_by",
]  # fmt: skip

CASE_FIELDS = frozenset(
    {
        "subject", "description", "status", "priority", "case_type", "category", "group",
        "reporter", "assignee", "due_date", "annotation",
        # Notification emails to the customer's side (see ``cases.notices``).
        "notify", "notify_reporter", "notify_contact", "notify_addresses", "notify_text",
    }
)  # fmt: skip

NOTIFY_TEXT_MAX_LENGTH = 2000


# What ``case_update`` writes when the status stays: everything but the overdue job's columns.
_FIELDS_KEPT_BY_UPDATE = [
    f.name
    for f in Case._meta.concrete_fields
    if not f.primary_key and f.name not in {"status_changed_at", "overdue_since"}
]


def case_settings() -> CaseSettings:
    """The installation's single settings row (created by migration; recreated if lost)."""
    settings_row, _created = CaseSettings.objects.get_or_create(pk=1)
    return settings_row


def case_number_next() -> int:
    """Take the next case number; call inside the transaction that creates the case."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_number_next() must run inside the creating transaction")
    number = _counter_increment()
    if number is None:
        case_settings()  # the row was lost: recreate it, then count from it
        number = _counter_increment()
    if number is None:
        raise RuntimeError("the case counter row could not be recreated")
    return number


def _counter_increment() -> int | None:
    """Add one to the counter row and read it back in one statement (both SQLite and
    PostgreSQL support ``UPDATE … RETURNING``); None when the row is missing."""
    table = connection.ops.quote_name(CaseSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE id = 1 "  # noqa: S608
            "RETURNING last_number"
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _default(model: type[Priority | Status | CaseType | Category | CaseGroup]) -> Any:
    return model.objects.filter(is_default=True).first()


def case_defaults() -> dict[str, Any]:
    """The default value of each case list, by field (None where a list has none): what
    ``case_create`` would fill in, read once by callers creating many cases."""
    lists = (
        ("status", Status),
        ("priority", Priority),
        ("case_type", CaseType),
        ("category", Category),
        ("group", CaseGroup),
    )
    return {field: _default(model) for field, model in lists}


def _check_people(
    errors: ErrorCollector,
    *,
    account: Account | None,
    contacts: list[Contact],
    reporter: Contact | None,
) -> None:
    """Contacts and the reporter must be the customer's people (when the case has a customer)."""
    if account is None:
        return
    strangers = [c for c in contacts if c.account_id != account.pk]
    if strangers:
        errors.add(
            "contacts",
            ValidationError(
                _("Not contacts of %(account)s: %(names)s.")
                % {"names": ", ".join(map(str, strangers)), "account": account.name},
                code="contact_not_of_account",
            ),
        )
    if reporter is not None and reporter.account_id != account.pk:
        errors.add(
            "reporter",
            ValidationError(
                single_stop(
                    _("%(name)s is not a contact of %(account)s.")
                    % {"name": reporter, "account": account.name}
                ),
                code="reporter_not_of_account",
            ),
        )


def _check_notice_settings(
    errors: ErrorCollector, *, account: Account | None, data: dict[str, Any]
) -> None:
    """The notification settings of ``data`` (cleaned in place): the contact told must be
    the customer's, the extra addresses valid, the extra text at most 2000 characters."""
    contact = data.get("notify_contact")
    if contact is not None and (account is None or contact.account_id != account.pk):
        message = (
            single_stop(
                _("%(name)s is not a contact of %(account)s.")
                % {"name": contact, "account": account.name}
            )
            if account is not None
            else _("A case without a customer has no contacts to tell; choose a customer first.")
        )
        errors.add("notify_contact", ValidationError(message, code="contact_not_of_account"))
    if "notify_addresses" in data:
        with errors.on("notify_addresses"):
            data["notify_addresses"] = addresses_clean(str(data["notify_addresses"]))
    if len(data.get("notify_text") or "") > NOTIFY_TEXT_MAX_LENGTH:
        errors.add(
            "notify_text",
            ValidationError(
                _("The text has %(length)d characters; it may have up to %(limit)d.")
                % {"length": len(data["notify_text"]), "limit": NOTIFY_TEXT_MAX_LENGTH},
                code="too_long",
            ),
        )


@transaction.atomic
def case_notice_settings_update(
    *,
    notify_account_manager: bool,
    notify_administrator: bool,
    notify_addresses: str,
    notify_fields: list[str],
) -> CaseSettings:
    """Set whom the installation adds to every case's notifications, and the fields shown.

    ``notify_addresses`` are comma- or semicolon-separated (stored cleaned, see
    ``core.addresses.addresses_clean``); ``notify_fields`` are names of ``NOTICE_FIELDS``
    (stored in that order; an unknown name is refused). Locks the settings row.
    """
    case_settings()
    row = CaseSettings.objects.select_for_update().get(pk=1)
    errors = ErrorCollector()
    with errors.on("notify_addresses"):
        row.notify_addresses = addresses_clean(notify_addresses)
    unknown = sorted(set(notify_fields) - {name for name, _label in NOTICE_FIELDS})
    if unknown:
        errors.add(
            "notify_fields",
            ValidationError(
                _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
                code="unknown_field",
            ),
        )
    errors.raise_if_any()
    row.notify_account_manager = notify_account_manager
    row.notify_administrator = notify_administrator
    row.notify_fields = [name for name, _label in NOTICE_FIELDS if name in set(notify_fields)]
    row.full_clean(exclude=["last_number"])
    row.save(
        update_fields=[
            "notify_account_manager",
            "notify_administrator",
            "notify_addresses",
            "notify_fields",
        ]
    )
    return row


@transaction.atomic
def case_create(
    *,
    by: User | None,
    subject: str,
    account: Account | None = None,
    contacts: Iterable[Contact] = (),
    data: dict[str, Any] | None = None,
    channel: str = Case.Channel.USER,
) -> Case:
    """Create a case with the next number; lookups left out take their list's default.

    ``channel`` says how it came (a user, the portal, the API, email, a rule); the creation
    is reported to ``cases.happenings`` (followers, rules, notifications after commit).
    """
    data = dict(data or {})
    unknown = set(data) - CASE_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    people = list(contacts)
    errors = ErrorCollector()
    if not subject.strip():
        errors.add("subject", ValidationError(_("Enter a subject."), code="required"))
    _check_people(errors, account=account, contacts=people, reporter=data.get("reporter"))
    _check_notice_settings(errors, account=account, data=data)
    due_date = data.get("due_date")
    if due_date is not None and due_date < timezone.localdate():
        errors.add(
            "due_date",
            ValidationError(
                _("The expected resolution date is in the past; choose today or a later day."),
                code="due_date_past",
            ),
        )
    missing_default = {
        "status": _("There is no default status; an administrator sets one in Settings."),
        "priority": _("There is no default priority; an administrator sets one in Settings."),
    }
    required: tuple[tuple[str, type[Status | Priority]], ...] = (
        ("status", Status),
        ("priority", Priority),
    )
    for field, model in required:
        if data.get(field) is None:
            data[field] = _default(model)
            if data[field] is None:
                errors.add(field, ValidationError(missing_default[field], code="no_default"))
    optional: tuple[tuple[str, type[CaseType | Category | CaseGroup]], ...] = (
        ("case_type", CaseType),
        ("category", Category),
        ("group", CaseGroup),
    )
    for field, optional_model in optional:
        if field not in data:
            data[field] = _default(optional_model)
    errors.raise_if_any()
    case = Case(
        number=case_number_next(),
        subject=subject.strip(),
        account=account,
        channel=channel,
        **data,
    )
    case.created_by = by
    case._history_user = by  # type: ignore[attr-defined]
    case.full_clean(exclude=["number", *RELATIONS], validate_unique=False)
    case.save()
    index_put([case_entry(case)])
    if people:
        case.contacts.add(*people)
        events.contacts_changed_event(case=case, by=by, old=[], new=people)
    happenings.case_created(case=case, by=by, channel=channel, by_rule=channel == Case.Channel.RULE)
    return case


@transaction.atomic
def case_update(
    *,
    case: Case,
    by: User | None,
    data: dict[str, Any],
    contacts: Iterable[Contact] | None = None,
    by_rule: bool = False,
    with_message: str = "",
    by_sender: str = "",
) -> Case:
    """Change the given fields; the customer is fixed at creation and cannot change here.
    ``by`` is ``None`` when no user made the change (an incoming message reopening the case);
    ``by_sender`` is then the address of that message's sender: when it is a contact's, the
    history names the contact as the author (``history.SENDER_REASON``).

    What changed is reported to ``cases.happenings`` (``with_message`` "in" or "out" when
    a message received or sent moves the status, the message being the news; ``by_rule`` when
    a workflow rule
    changes it, so rules do not run again on their own change).

    A change of status restarts the time in status (``status_changed_at``) and ends an overdue
    period (``overdue_since``); otherwise those two columns are not written, so a concurrent
    run of the overdue job is never undone by a stale copy of the case.
    """
    unknown = set(data) - CASE_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    people = None if contacts is None else list(contacts)
    errors = ErrorCollector()
    if "subject" in data and not str(data["subject"]).strip():
        errors.add("subject", ValidationError(_("Enter a subject."), code="required"))
    if people or data.get("reporter") is not None:  # else nothing to check (nor to read)
        _check_people(
            errors,
            account=case.account,
            contacts=people or [],
            reporter=data.get("reporter"),
        )
    data = dict(data)
    # The customer is read only when there is a contact to check against it.
    customer = case.account if data.get("notify_contact") is not None else None
    _check_notice_settings(errors, account=customer, data=data)
    for field in ("status", "priority"):
        if field in data and data[field] is None:
            errors.add(field, ValidationError(_("Choose a value."), code="required"))
    errors.raise_if_any()
    status_changes = "status" in data and data["status"].pk != case.status_id
    changes: dict[str, list[Any]] = {}
    for field, value in data.items():
        value = value.strip() if field == "subject" else value
        old, new = (
            happenings.change_value(_stored_value(case, field)),
            happenings.change_value(value),
        )
        if old != new:
            changes[field] = [old, new]
        setattr(case, field, value)
    if status_changes:
        case.status_changed_at = timezone.now()
        case.overdue_since = None
    case._history_user = by  # type: ignore[attr-defined]
    if by is None and by_sender:
        case._change_reason = _sender_reason(by_sender)  # type: ignore[attr-defined]
    case.full_clean(exclude=["number", *RELATIONS], validate_unique=False)
    case.save(update_fields=None if status_changes else _FIELDS_KEPT_BY_UPDATE)
    if {"subject", "description"} & changes.keys():
        index_put([case_entry(case)])
    if people is not None:
        old = list(case.contacts.all())
        if {contact.pk for contact in old} != {contact.pk for contact in people}:
            case.contacts.set(people)
            events.contacts_changed_event(case=case, by=by, old=old, new=people)
            changes["contacts"] = [[c.pk for c in old], [c.pk for c in people]]
    happenings.case_updated(
        case=case, by=by, changes=changes, by_rule=by_rule, with_message=with_message
    )
    return case


def _sender_reason(address: str) -> str | None:
    """The history's note of the contact whose email made a change, by its id only (an
    erased contact leaves no name or address behind); ``None`` for an unknown sender."""
    contact_pk = (
        EmailAddress.objects.filter(address=address.strip().lower(), contact__isnull=False)
        .values_list("contact_id", flat=True)
        .first()
    )
    return None if contact_pk is None else SENDER_REASON.format(pk=contact_pk)


def _stored_value(case: Case, field: str) -> Any:
    """The case's value of ``field``, a relation by its key (not read from the database)."""
    model_field = Case._meta.get_field(field)
    if isinstance(model_field, ForeignKey):
        return getattr(case, model_field.attname)
    return getattr(case, field)


def case_overdue_claim(*, case: Case, status: Status, cutoff: datetime, now: datetime) -> bool:
    """Start the case's overdue period at ``now`` if it is still in ``status`` since before
    ``cutoff`` and not overdue yet; whether this caller did (of two racing callers, one does:
    a conditional ``UPDATE``). Call it in the transaction that tells about it."""
    claimed = Case.objects.filter(
        pk=case.pk, status=status, overdue_since__isnull=True, status_changed_at__lte=cutoff
    ).update(overdue_since=now)
    if claimed:
        case.overdue_since = now
    return bool(claimed)


def case_overdue_told(*, case: Case, status: Status, now: datetime, told: list[str]) -> None:
    """Record in the case's history that it became overdue and whom ``told`` names got mail,
    and report it (``cases.happenings.case_overdue``)."""
    days = (now - case.status_changed_at).days
    events.case_overdue_event(case=case, status=status.name, days=days, told=told)
    happenings.case_overdue(case=case)


# Longer than any note a person types; a paste of a whole log belongs in an attachment.
NOTE_MAX_LENGTH = 20_000


@transaction.atomic
def case_note_add(*, case: Case, by: User, text: str, internal: bool = True) -> CaseNote:
    """Post to the case's stream: an internal note (the default) or a public comment.

    The users the text @mentions (``mentions.mentions_resolve``: active, working with cases,
    seeing the case) are stored on the note; after commit the ``note_added`` happening makes
    the author and them follow the case and tells them. An internal note is never shown to
    the customer (``CaseNote.objects.visible_to``). Raises ``ValidationError`` on ``text``
    for an empty or too long text.
    """
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")}, code="required")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _(
                    "A note holds at most %(limit)s characters; attach a longer text as a file."
                )
                % {"limit": NOTE_MAX_LENGTH}
            },
            code="max_length",
        )
    note = CaseNote.objects.create(
        case=case, account_id=case.account_id, author=by, text=text, internal=internal
    )
    index_put([note_entry(note)])
    # A customer writing in the portal names no colleague of ours: "@name" is plain text there.
    mentioned = (
        mentions.mentions_resolve(case=case, text=text) if by is None or by.is_staff_member else []
    )
    if mentioned:
        note.mentioned.set(mentioned)
    happenings.note_added(note=note)
    return note


# Deleting cases

DELETE_CHUNK_SIZE = 500


class CountChangedError(Exception):
    """The set of cases to delete is no longer the size the user confirmed."""

    def __init__(self, *, expected: int, actual: int) -> None:
        super().__init__(f"expected {expected} cases, found {actual}")
        self.expected = expected
        self.actual = actual


def _delete_together(cases: list[Case], *, by: User) -> None:
    """Delete these cases with their notes and attachments; each keeps a "-" history row.

    Deleting through one ``Collector`` (as ``Model.delete()`` does for one object) sends
    ``post_delete`` for each given instance, so simple_history records ``by`` as who deleted.
    Stored files are removed after the transaction commits.
    """
    if not cases:
        return
    files = list(
        CaseAttachment.objects.filter(case__in=cases)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    for case in cases:
        case._history_user = by  # type: ignore[attr-defined]
    index_remove("note", CaseNote.objects.filter(case__in=cases).values_list("pk", flat=True))
    index_remove("case", [case.pk for case in cases])
    collector = Collector(using=router.db_for_write(Case), origin=cases[0])
    collector.collect(cases)
    collector.delete()
    if files:
        transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def case_delete(*, case: Case, by: User) -> None:
    """Delete one case with its notes and attachments; its history keeps who deleted it."""
    _delete_together([case], by=by)


@transaction.atomic
def cases_delete(*, cases: QuerySet[Case], by: User, expected_count: int | None = None) -> int:
    """Delete exactly the cases of ``cases`` (a selector's visible, filtered queryset).

    The set is read once, inside the transaction; if ``expected_count`` is given and the set
    has another size (cases were added, changed or deleted since the user confirmed),
    ``CountChangedError`` is raised and nothing is deleted. Deletion goes in chunks of
    ``DELETE_CHUNK_SIZE``, each case recording a "-" history row by ``by``. Returns how many
    were deleted.
    """
    pks = list(cases.order_by().values_list("pk", flat=True))
    if expected_count is not None and len(pks) != expected_count:
        raise CountChangedError(expected=expected_count, actual=len(pks))
    for start in range(0, len(pks), DELETE_CHUNK_SIZE):
        chunk = pks[start : start + DELETE_CHUNK_SIZE]
        _delete_together(list(Case.objects.filter(pk__in=chunk)), by=by)
    return len(pks)


# Attachments

ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024


@transaction.atomic
def case_attachment_add(
    *, case: Case, by: User | None, file: UploadedFile[bytes], shared: bool = False
) -> CaseAttachment:
    """Store an uploaded file through Django's default storage and attach it to the case
    (``by`` is ``None`` for a file that came with a web form); ``shared``: shown to the
    customer in the portal.

    Files up to ``ATTACHMENT_MAX_BYTES`` are accepted; the original name is kept for display
    and download, while the stored name is the storage's own (made safe and unique).
    """
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file has %(size)s; attachments may have up to %(limit)s.")
                % {
                    "size": filesizeformat(size),
                    "limit": filesizeformat(ATTACHMENT_MAX_BYTES),
                }
            },
            code="too_big",
        )
    name = file_name_clean(file.name or "") or _("attachment")
    attachment = CaseAttachment(
        case=case,
        name=name[-255:],
        size=size,
        content_type=(file.content_type or "")[:127],
        uploaded_by=by,
        shared=shared,
    )
    attachment.file.save(name, file, save=False)
    attachment.save()
    return attachment


def case_attachment_share(*, attachment: CaseAttachment, shared: bool) -> CaseAttachment:
    """Show a case's file to the customer in the portal, or stop showing it."""
    if attachment.shared != shared:
        attachment.shared = shared
        attachment.save(update_fields=["shared"])
    return attachment
