"""Mailbox administration: the only code that creates, changes or deletes a mailbox.

Invariant: while any mailbox exists, exactly one is the default. The first mailbox becomes the
default by itself; making another the default unsets the old one in the same transaction;
deleting the default hands the role to the first remaining mailbox by name; the default
cannot simply be unset (another one is made the default instead).

Passwords are write-only: ``None`` keeps the stored one, ``clear_*`` removes it, a string
replaces it (encrypted at rest by ``Mailbox.password``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases import events
from kartoteka.core.validation import ErrorCollector
from kartoteka.mail.models import CaseMailbox, Mailbox

if TYPE_CHECKING:
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

MAILBOX_FIELDS = (
    "name",
    "address",
    "sender_name",
    "protocol",
    "host",
    "port",
    "security",
    "login",
    "imap_folder",
    "after_fetch",
    "move_to_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_login",
    "signature_text",
    "signature_html",
    "fetch_every_minutes",
    "active",
    "is_default",
    "purpose",
    "group",
    "unknown_sender",
    "only_known_participants",
    "trusted_authserv_ids",
    "verify_dkim",
)
# An authserv-id as mail servers write it: a host name (RFC 8601 allows any token; a name
# with spaces or punctuation is a typing mistake here).
_AUTHSERV_ID = re.compile(
    r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*$"
)
AUTHSERV_IDS_MAX = 10

_P = Mailbox.Protocol
_S = Mailbox.Security
INCOMING_PORTS = {
    (_P.IMAP, _S.SSL): 993,
    (_P.IMAP, _S.STARTTLS): 143,
    (_P.IMAP, _S.NONE): 143,
    (_P.POP3, _S.SSL): 995,
    (_P.POP3, _S.STARTTLS): 110,
    (_P.POP3, _S.NONE): 110,
}
OUTGOING_PORTS = {_S.SSL: 465, _S.STARTTLS: 587, _S.NONE: 25}


def incoming_port(mailbox: Mailbox) -> int:
    """The incoming port: the one set, else the usual one of the protocol and security."""
    key = (Mailbox.Protocol(mailbox.protocol), Mailbox.Security(mailbox.security))
    return mailbox.port or INCOMING_PORTS.get(key, 0)


def outgoing_host(mailbox: Mailbox) -> str:
    """The SMTP server: its own host, else the incoming server's host."""
    return mailbox.smtp_host or mailbox.host


def outgoing_port(mailbox: Mailbox) -> int:
    return mailbox.smtp_port or OUTGOING_PORTS[Mailbox.Security(mailbox.smtp_security)]


def outgoing_login(mailbox: Mailbox) -> str:
    return mailbox.smtp_login or mailbox.login


def authserv_ids_clean(value: str) -> str:
    """The typed trusted authserv-ids in their stored form: lower-cased, each once, joined by
    ", "; split on commas, semicolons and whitespace. ``ValidationError`` naming a bad one."""
    names = list(dict.fromkeys(n.lower() for n in re.split(r"[\s,;]+", value) if n))
    for name in names:
        if len(name) > 253 or not _AUTHSERV_ID.match(name):
            raise ValidationError(
                _("“%(name)s” is not a server name such as mx.example.com.") % {"name": name},
                code="invalid_authserv_id",
            )
    if len(names) > AUTHSERV_IDS_MAX:
        raise ValidationError(
            _("Name at most %(count)d servers.") % {"count": AUTHSERV_IDS_MAX},
            code="too_many_authserv_ids",
        )
    return ", ".join(names)


def _check(mailbox: Mailbox) -> None:
    """Everything wrong with the mailbox's settings, reported together."""
    errors = ErrorCollector()
    try:
        mailbox.trusted_authserv_ids = authserv_ids_clean(mailbox.trusted_authserv_ids)
    except ValidationError as error:
        errors.add("trusted_authserv_ids", error)
    fetched = mailbox.protocol in (Mailbox.Protocol.IMAP, Mailbox.Protocol.POP3)
    if fetched and not mailbox.host:
        errors.add("host", ValidationError(_("Enter the incoming server.")))
    if fetched and not mailbox.login:
        errors.add("login", ValidationError(_("Enter the login of the incoming server.")))
    if mailbox.after_fetch == Mailbox.AfterFetch.MOVE:
        if mailbox.protocol == Mailbox.Protocol.POP3:
            errors.add(
                "after_fetch",
                ValidationError(_("POP3 has no folders; choose another action.")),
            )
        elif not mailbox.move_to_folder:
            errors.add("move_to_folder", ValidationError(_("Enter the folder to move mail to.")))
        elif mailbox.move_to_folder == mailbox.imap_folder:
            errors.add(
                "move_to_folder",
                ValidationError(_("Choose a folder other than the one mail is fetched from.")),
            )
    if mailbox.archives and mailbox.is_default:
        errors.add(
            "is_default",
            ValidationError(
                _("An archive mailbox sends nothing, so it cannot be the default."),
                code="archive_default",
            ),
        )
    with errors.on():
        mailbox.full_clean()
    errors.raise_if_any()


def _set_passwords(
    mailbox: Mailbox,
    *,
    password: str | None,
    clear_password: bool,
    smtp_password: str | None,
    clear_smtp_password: bool,
) -> None:
    if clear_password:
        mailbox.password_encrypted = ""
    elif password:
        mailbox.password = password
    if clear_smtp_password:
        mailbox.smtp_password_encrypted = ""
    elif smtp_password:
        mailbox.smtp_password = smtp_password


def _fill_defaults(mailbox: Mailbox) -> None:
    if not mailbox.port and mailbox.protocol != Mailbox.Protocol.NONE:
        mailbox.port = incoming_port(mailbox)
    if not mailbox.smtp_port:
        mailbox.smtp_port = outgoing_port(mailbox)


def mailbox_create(
    *, password: str | None = None, smtp_password: str | None = None, **fields: Any
) -> Mailbox:
    """Create a mailbox; the first one, or one marked default, becomes the only default.

    Empty ports get the usual port of the protocol and security. Raises ``ValidationError``
    with every problem at once.
    """
    mailbox = Mailbox(**fields)
    _fill_defaults(mailbox)
    _set_passwords(
        mailbox,
        password=password,
        clear_password=False,
        smtp_password=smtp_password,
        clear_smtp_password=False,
    )
    with transaction.atomic():
        if not mailbox.archives and not Mailbox.objects.filter(is_default=True).exists():
            mailbox.is_default = True
        elif mailbox.is_default:
            Mailbox.objects.filter(is_default=True).update(is_default=False)
        _check(mailbox)
        mailbox.save()
    return mailbox


def mailbox_update(
    *,
    mailbox: Mailbox,
    password: str | None = None,
    clear_password: bool = False,
    smtp_password: str | None = None,
    clear_smtp_password: bool = False,
    **fields: Any,
) -> Mailbox:
    """Change a mailbox's settings; passwords only when given (see the module docstring).

    Making it the default unsets the old default in the same transaction; unsetting the
    default itself is refused. Raises ``ValidationError`` with every problem at once.
    """
    was_default = Mailbox.objects.filter(pk=mailbox.pk, is_default=True).exists()
    for name, value in fields.items():
        setattr(mailbox, name, value)
    _fill_defaults(mailbox)
    _set_passwords(
        mailbox,
        password=password,
        clear_password=clear_password,
        smtp_password=smtp_password,
        clear_smtp_password=clear_smtp_password,
    )
    if was_default and not mailbox.is_default:
        raise ValidationError(
            {
                "is_default": _(
                    "One mailbox is always the default: make another mailbox the default instead."
                )
            }
        )
    with transaction.atomic():
        if mailbox.is_default and not was_default:
            Mailbox.objects.filter(is_default=True).update(is_default=False)
        _check(mailbox)
        mailbox.save()
    return mailbox


def mailbox_delete(*, mailbox: Mailbox) -> Mailbox | None:
    """Delete a mailbox; its messages stay in their cases. Returns the new default, if the
    deleted mailbox was the default and another one took its place."""
    with transaction.atomic():
        successor = None
        if mailbox.is_default:
            successor = (
                Mailbox.objects.exclude(pk=mailbox.pk)
                .exclude(purpose=Mailbox.Purpose.ARCHIVE)
                .order_by("name")
                .first()
            )
        mailbox.delete()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    return successor


def mailbox_fetch_claim(*, mailbox_id: int, now: datetime) -> bool:
    """Claim a periodic fetch of an active mailbox whose interval elapsed (one caller wins).

    The claim sets ``last_fetch_at`` to ``now`` with a conditional UPDATE, so two workers
    never fetch the same mailbox for the same interval.
    """
    mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).first()
    if mailbox is None:
        return False
    due = Mailbox.objects.filter(pk=mailbox_id, last_fetch_at=mailbox.last_fetch_at)
    if mailbox.last_fetch_at is not None:
        interval = timedelta(minutes=mailbox.fetch_every_minutes)
        if mailbox.last_fetch_at > now - interval:
            return False
    return due.update(last_fetch_at=now) == 1


def mailbox_fetch_finished(*, mailbox: Mailbox, error: str) -> None:
    """Record when the mailbox was last fetched and what went wrong ("" when nothing)."""
    mailbox.last_fetch_at = timezone.now()
    mailbox.last_fetch_error = error
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_fetch_at=mailbox.last_fetch_at, last_fetch_error=error
    )


def mailbox_list() -> list[Mailbox]:
    """Every mailbox for the administration list, by name."""
    return list(Mailbox.objects.select_related("group").order_by("name"))


# The mailbox of a case


def mailboxes_that_send() -> QuerySet[Mailbox]:
    """Mailboxes mail may go out from: the active ones that are not archives, by name."""
    return (
        Mailbox.objects.filter(active=True)
        .exclude(purpose=Mailbox.Purpose.ARCHIVE)
        .order_by("name", "pk")
    )


def case_mailbox(case: Case) -> Mailbox | None:
    """The mailbox the case names itself, while it can send (active, not an archive)."""
    link = (
        CaseMailbox.objects.filter(
            case_id=case.pk, mailbox__active=True, mailbox__purpose=Mailbox.Purpose.CASES
        )
        .select_related("mailbox")
        .first()
    )
    return link.mailbox if link is not None else None


def case_mailbox_shown(case: Case) -> tuple[Mailbox | None, bool]:
    """The mailbox a case's mail goes out from (``mailbox_for_case``) and whether it is the
    case's own (else the default one), in one query."""
    own = CaseMailbox.objects.filter(case_id=case.pk, mailbox_id=OuterRef("pk"))
    rows = list(
        Mailbox.objects.filter(active=True)
        .filter(Q(is_default=True) | Q(Exists(own), purpose=Mailbox.Purpose.CASES))
        .annotate(own=Exists(own))
    )
    for mailbox in rows:
        if mailbox.own:  # type: ignore[attr-defined]
            return mailbox, True
    return (rows[0] if rows else None), False


def mailbox_for_case(case: Case) -> Mailbox | None:
    """The mailbox a case's replies and notices go out from: its own (``case_mailbox``), else
    the installation's default one; ``None`` when neither can send (one query). The one answer
    every sender about a case asks (composer, customer notices, portal notices, rule emails)."""
    return case_mailbox_shown(case)[0]


@transaction.atomic
def case_mailbox_set(*, case: Case, mailbox: Mailbox | None, by: User | None) -> bool:
    """Name the mailbox the case's mail goes out from; ``None`` or the default mailbox itself
    clear it (the case then follows whichever mailbox is the default). Records the change in
    the case's history; returns whether anything changed.

    Raises ``ValidationError`` (key ``mailbox``) for a mailbox that cannot send. Locks the
    case's link row (``select_for_update``), so two changes at once queue.
    """
    if mailbox is not None and not mailboxes_that_send().filter(pk=mailbox.pk).exists():
        raise ValidationError(
            {"mailbox": _("That mailbox cannot send (inactive or an archive); choose another.")},
            code="mailbox_cannot_send",
        )
    default = Mailbox.objects.default()
    if mailbox is not None and default is not None and mailbox.pk == default.pk:
        mailbox = None
    link = CaseMailbox.objects.select_for_update().filter(case_id=case.pk).first()
    old = Mailbox.objects.filter(pk=link.mailbox_id).first() if link is not None else None
    if (old.pk if old else None) == (mailbox.pk if mailbox else None):
        return False
    if mailbox is None:
        CaseMailbox.objects.filter(case_id=case.pk).delete()
    else:
        CaseMailbox.objects.update_or_create(case_id=case.pk, defaults={"mailbox": mailbox})
    events.mailbox_changed_event(
        case=case, by=by, old=str(old) if old else "", new=str(mailbox) if mailbox else ""
    )
    return True
