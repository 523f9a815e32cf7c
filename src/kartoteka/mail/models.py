"""Mailboxes, stored messages (inbound and outbound) and the cursors of the mail sources."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.core import crypto


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def default(self) -> Mailbox | None:
        """The installation's default mailbox, which mail goes out from when nothing else
        chooses one, or ``None`` when it is not active: an inactive mailbox sends nothing, so
        every sender gets one answer ("no default mailbox") instead of checking ``active``
        itself. The flag itself (one default, active or not) is kept by ``mail.mailboxes``."""
        return self.filter(is_default=True, active=True).first()


class Mailbox(models.Model):
    class Protocol(models.TextChoices):
        IMAP = "imap", "IMAP"
        POP3 = "pop3", "POP3"
        NONE = "none", _("None (delivered by the mail server's pipe)")

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None")

    class AfterFetch(models.TextChoices):
        MARK_SEEN = "seen", _("Mark as read")
        MOVE = "move", _("Move to a folder")
        DELETE = "delete", _("Delete")
        KEEP = "keep", _("Leave untouched")

    class UnknownSender(models.TextChoices):
        TRIAGE = "triage", _("Put in the triage inbox")
        NEW_CASE = "new_case", _("Create a case and a new contact")

    class Purpose(models.TextChoices):
        CASES = "cases", _("Cases: new mail opens or continues a case")
        ARCHIVE = "archive", _("Archive: mail is filed to the customer, no case")

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), unique=True)
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True)
    protocol = models.CharField(
        _("incoming protocol"), max_length=8, choices=Protocol, default=Protocol.IMAP
    )
    host = models.CharField(_("incoming server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    security = models.CharField(
        _("security"), max_length=16, choices=Security, default=Security.SSL
    )
    login = models.CharField(_("login"), max_length=255, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    after_fetch = models.CharField(
        _("after fetching"), max_length=8, choices=AfterFetch, default=AfterFetch.MARK_SEEN
    )
    move_to_folder = models.CharField(_("move to folder"), max_length=255, blank=True)
    smtp_host = models.CharField(_("outgoing server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("outgoing port"), null=True, blank=True)
    smtp_security = models.CharField(
        _("outgoing security"), max_length=16, choices=Security, default=Security.STARTTLS
    )
    smtp_login = models.CharField(
        _("outgoing login"), max_length=255, blank=True, help_text=_("Empty: the incoming login.")
    )
    smtp_password_encrypted = models.TextField(blank=True, editable=False)
    signature_text = models.TextField(_("signature (plain text)"), blank=True)
    signature_html = models.TextField(_("signature (HTML)"), blank=True)
    fetch_every_minutes = models.PositiveSmallIntegerField(_("fetch every (minutes)"), default=2)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default mailbox"), default=False)
    group = models.ForeignKey(
        "cases.CaseGroup",
        verbose_name=_("case group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("Cases created from this mailbox go to this group."),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=8,
        choices=Purpose,
        default=Purpose.CASES,
        help_text=_(
            "Archive: a copy address (BCC, journal) or a user's own folder. Its mail is "
            "filed to the customer of its correspondents, without a case, answer or "
            "notification; mail of unknown correspondents goes to triage."
        ),
    )
    unknown_sender = models.CharField(
        _("mail from unknown senders"),
        max_length=16,
        choices=UnknownSender,
        default=UnknownSender.TRIAGE,
    )
    # see ``reading.threading``: off, a reply naming a stored message of a case joins it
    only_known_participants = models.BooleanField(
        _("only known participants"),
        default=False,
        help_text=_(
            "A reply from someone who is not yet a participant of the case it answers waits "
            "in triage instead of joining the case. A reply to our own message still joins."
        ),
    )
    # authserv-ids (RFC 8601) of the receiving servers whose Authentication-Results are
    # believed, lower-cased and joined by ", " (see ``mailboxes.authserv_ids_clean``)
    trusted_authserv_ids = models.CharField(
        _("trusted Authentication-Results servers"),
        max_length=1000,
        blank=True,
        help_text=_(
            "The names your receiving mail server writes at the start of its "
            "Authentication-Results header, separated by commas. Only these are believed."
        ),
    )
    verify_dkim = models.BooleanField(
        _("check DKIM signatures"),
        default=False,
        help_text=_("Check the DKIM signature of every received message here (asks DNS)."),
    )
    last_fetch_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_fetch_error = models.TextField(blank=True, editable=False)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="mailbox_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def get_absolute_url(self) -> str:
        return reverse("mail:mailbox-edit", args=[self.pk])

    @property
    def archives(self) -> bool:
        """Its mail is filed to customers, never made into cases (see ``threading``)."""
        return self.purpose == Mailbox.Purpose.ARCHIVE

    @property
    def password(self) -> str:
        return crypto.decrypt(self.password_encrypted)

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = crypto.encrypt(value)

    @property
    def trusted_authserv_id_set(self) -> frozenset[str]:
        """The trusted authserv-ids, lower-cased."""
        return frozenset(
            name.strip().lower() for name in self.trusted_authserv_ids.split(",") if name.strip()
        )

    @property
    def smtp_password(self) -> str:
        """The outgoing password; the incoming one when none of its own is set."""
        if self.smtp_password_encrypted:
            return crypto.decrypt(self.smtp_password_encrypted)
        return self.password

    @smtp_password.setter
    def smtp_password(self, value: str) -> None:
        self.smtp_password_encrypted = crypto.encrypt(value)


def customer_public(prefix: str = "") -> Q:
    """The emails of a case its customer's side has (the rule of
    ``mail.customer_side.seen_by_customer_side`` and ``notifications.notices.last_public_text``,
    as one filter on the message at ``prefix``): placed mail received (neither an auto-reply
    nor a bounce) and mail a person sent (not automatic, not failed), whose sender, To or Cc
    is an address of the case's customer's side: of its customer (shared or of any of its
    contacts), its reporter, the contact its notices tell, or its contacts. A forward to a
    supplier, a supplier's own answer, a notification and anything in triage are not theirs.

    The case's typed extra addresses (``Case.notify_addresses``) do not count here: they are
    not the customer's people. To and Cc are searched as their stored JSON text
    (``"address": "…"``, the same on SQLite and PostgreSQL), which no other field can fake.
    """
    from django.db.models import Exists, F, OuterRef, TextField, Value
    from django.db.models.functions import Cast, Concat, Lower
    from django.db.models.lookups import IContains

    from kartoteka.customers.models import EmailAddress

    p = prefix
    case = f"{p}case__"
    # Each owner's addresses are found by an index (the reporter and the notified contact
    # together: SQLite uses both indexes of an OR of two equalities).
    owners = (
        Q(account_id=OuterRef(f"{case}account_id")),
        Q(contact__account_id=OuterRef(f"{case}account_id")),
        Q(contact_id=OuterRef(f"{case}reporter_id"))
        | Q(contact_id=OuterRef(f"{case}notify_contact_id")),
        Q(contact__cases=OuterRef(f"{p}case_id")),
    )
    addresses = EmailAddress.objects.order_by()
    # The sender: one indexed look-up of the address, then whose it is.
    sender = Exists(
        addresses.filter(address=Lower(OuterRef(f"{p}from_address"))).filter(
            owners[0] | owners[1] | owners[2] | owners[3]
        )
    )
    # To and Cc: each owner's few addresses (each found by an index) searched in the text.
    needle = Concat(Value('"address": "'), F("address"), Value('"'), output_field=TextField())
    listed = Q(IContains(Cast(OuterRef(f"{p}to"), output_field=TextField()), needle)) | Q(
        IContains(Cast(OuterRef(f"{p}cc"), output_field=TextField()), needle)
    )
    touches = Q(sender)
    for owner in owners:
        touches |= Q(Exists(addresses.filter(owner).filter(listed)))
    received = Q(
        **{
            f"{p}direction": Message.Direction.INBOUND,
            f"{p}state": Message.State.PLACED,
            f"{p}auto_reply": False,
            f"{p}bounce": False,
        }
    )
    sent = Q(
        **{
            f"{p}direction": Message.Direction.OUTBOUND,
            f"{p}automatic": False,
            f"{p}state__in": [
                Message.State.QUEUED,
                Message.State.SENDING,
                Message.State.SENT,
            ],
        }
    )
    return (
        Q(**{f"{p}case__isnull": False, f"{p}discarded_at__isnull": True})
        & (received | sent)
        & touches
    )


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user: object) -> MessageQuerySet:
        """Messages of cases the user sees; mail filed to a customer without a case (an
        archive mailbox's) to whoever sees that customer; triage and unplaced mail for case
        workers.

        Mail we sent outside any case and customer (notifications to colleagues, which may
        name restricted cases) only for those who see everything.

        A portal user sees, of the cases the portal shows them, only the emails the
        customer's side has (``customer_public``).
        """
        from kartoteka.cases.models import case_visibility, portal_case_visibility
        from kartoteka.customers.models import account_visibility, portal_contact_for

        if not getattr(user, "works_with_cases", False):
            contact = portal_contact_for(user)
            if contact is None:
                return self.none()
            return self.filter(
                Q(case__isnull=False),
                portal_case_visibility(contact, prefix="case__"),
                customer_public(),
            )
        # A join on the case, not ``case__in`` a subquery of every visible case (see
        # ``case_visibility``); ``case__isnull=False`` keeps unplaced mail out of this branch,
        # whose ``case__account__isnull`` a missing case would satisfy.
        placed = Q(case__isnull=False) & case_visibility(user, prefix="case__")  # type: ignore[arg-type]
        filed = Q(case__isnull=True, account__isnull=False) & account_visibility(
            user,  # type: ignore[arg-type]
            prefix="account__",
        )
        unplaced = Q(case__isnull=True, account__isnull=True)
        if not getattr(user, "sees_everything", False):
            # (filed mail whose customer was deleted went with it)
            unplaced &= Q(direction=Message.Direction.INBOUND) & ~Q(state=Message.State.ARCHIVED)
        return self.filter(unplaced | filed | placed)


# A message discarded from triage as spam is kept (restorable) this long, then purged.
DISCARD_KEPT_DAYS = 30


class Message(models.Model):
    """One email, received or sent, as stored (its raw bytes are kept in the raw store)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Received")
        OUTBOUND = "out", _("Sent")

    class SenderVerification(models.TextChoices):
        NOT_CHECKED = "", _("not checked")
        VERIFIED = "verified", _("sender verified")
        NOT_VERIFIED = "not-verified", _("sender not verified")

    class SenderSuspicion(models.TextChoices):
        NONE = "", _("none")
        SEVERAL_ADDRESSES = "several-addresses", _("the From header holds several addresses")
        NAME_IS_ADDRESS = "name-is-address", _("the sender's name is another email address")

    class Newcomer(models.TextChoices):
        NONE = "", _("none")
        CONTACT = "contact", _("a new contact of the case's customer")
        ADDRESS = "address", _("an extra address of the case")

    class State(models.TextChoices):
        # inbound
        PLACED = "placed", _("Placed in a case")
        TRIAGE = "triage", _("Waiting in triage")
        IGNORED = "ignored", _("Ignored")
        UNPARSABLE = "unparsable", _("Could not be read")
        DISCARDED = "discarded", _("Discarded as spam")
        # inbound or outbound: a copy filed to its customer without a case (archive mailbox)
        ARCHIVED = "archived", _("Filed to the customer")
        # outbound
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # queued or failed, then withdrawn by a person: never sent (``outbox.outbox_cancel``)
        CANCELLED = "cancelled", pgettext_lazy("outgoing message", "Cancelled")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    # The customer whose file shows the message: its case's customer (kept so by every service
    # that places or moves it), or, for mail archived without a case, its correspondents'.
    account = models.ForeignKey(
        "customers.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    direction = models.CharField(max_length=3, choices=Direction)
    state = models.CharField(max_length=16, choices=State, db_index=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=998)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    from_name = models.CharField(max_length=255, blank=True)
    from_address = models.CharField(max_length=254, blank=True, db_index=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    # outbound: blind copies, given to the SMTP server in the envelope and never in a header
    bcc = models.JSONField(default=list)
    reply_to = models.JSONField(default=list)
    date = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    text_new = models.TextField(blank=True)
    html = models.TextField(blank=True)
    auto_reply = models.BooleanField(default=False)
    bounce = models.BooleanField(default=False)
    # came through a mailing list or in bulk: read by people, never answered automatically
    bulk = models.BooleanField(default=False)
    # inbound: it named a case (tag or header) whose participants do not include the sender
    forged = models.BooleanField(default=False)
    points_to_case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # inbound: its sender was not a participant of the case it answers and joined it (see
    # ``reading.threading``), as ``newcomer_contact`` (a contact made for it) or as an address
    newcomer = models.CharField(max_length=8, choices=Newcomer, blank=True, default="")
    newcomer_contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # inbound: whether a trusted Authentication-Results or a DKIM signature proved the From
    # domain, with what proved it or why nothing did (for support, in English)
    sender_verification = models.CharField(
        max_length=16, choices=SenderVerification, blank=True, default=""
    )
    sender_evidence = models.CharField(max_length=255, blank=True)
    # inbound: the From claims a staff address or one of our own domains
    sender_claims_own = models.BooleanField(default=False)
    sender_suspicion = models.CharField(
        max_length=32, choices=SenderSuspicion, blank=True, default=""
    )
    # where it came from: "pipe", "imap:INBOX:…", "pop3:…", "import:…", "outbox"
    source = models.CharField(max_length=255, blank=True)
    # outbound: sent by Kartoteka itself (a notification, an acknowledgement), not a person
    automatic = models.BooleanField(default=False)
    # outbound: a bounce reported that it was not delivered
    delivery_failed_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.TextField(blank=True)
    # inbound: discarded from triage as spam, restorable until purged (see ``triage``)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(
        "people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(
        "people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # outbound: the status "send and set status" gives the case once the server accepts the
    # message, and the case's status when it was queued (``sending.status_after_sending``)
    status_after_sending = models.ForeignKey(
        "cases.Status", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_when_queued = models.ForeignKey(
        "cases.Status", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"], name="message_unique_id_per_mailbox"
            ),
        ]
        indexes = [
            models.Index(fields=["message_id"], name="message_message_id"),
            models.Index(fields=["case", "created_at"], name="message_case_created"),
            # the customer file's mail, newest first, paged by (created_at, pk)
            models.Index(fields=["account", "created_at", "id"], name="message_account_created"),
            # the customer file narrowed to what one user sent
            models.Index(
                fields=["account", "author", "created_at", "id"],
                name="message_account_author",
                condition=models.Q(author__isnull=False),
            ),
            models.Index(fields=["state", "next_attempt_at"], name="message_outbox"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id

    @property
    def sender_held(self) -> bool:
        """It claims to come from us (a staff address, one of our domains) unproven: such
        mail is never placed by itself (see ``threading.decide``)."""
        return (
            self.sender_claims_own
            and self.sender_verification == Message.SenderVerification.NOT_VERIFIED
        )

    @property
    def reply_to_differs(self) -> bool:
        """Replies go to a Reply-To address other than the sender's."""
        return any(
            str(entry.get("address", "")).lower() != self.from_address.lower()
            for entry in self.reply_to
            if isinstance(entry, dict)
        )

    @property
    def received_at(self) -> datetime:
        """The moment the conversation shows: when we received it, or when the server took
        it from us (not sent yet: when it was written). Never the sender's ``Date``, which
        a fast or wrong clock makes lie; that one is shown on hover."""
        if self.direction == Message.Direction.OUTBOUND and self.sent_at is not None:
            return self.sent_at
        return self.created_at

    @property
    def has_quoted_part(self) -> bool:
        """Whether the full text holds more than its new part (a quote or a signature)."""
        return bool(self.text_new.strip()) and self.text.strip() != self.text_new.strip()


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible_to(self, user: object) -> AttachmentQuerySet:
        """The attachments of the messages ``Message.objects.visible_to(user)`` shows; for a
        portal user by joins on the message and its case (not ``message__in`` a subquery of
        every message of their customer, which SQLite would build whole)."""
        from kartoteka.cases.models import portal_case_visibility
        from kartoteka.customers.models import portal_contact_for

        if getattr(user, "works_with_cases", False):
            return self.filter(message__in=Message.objects.visible_to(user))
        contact = portal_contact_for(user)
        if contact is None:
            return self.none()
        return self.filter(
            Q(message__case__isnull=False),
            portal_case_visibility(contact, prefix="message__case__"),
            customer_public(prefix="message__"),
        )


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    inline = models.BooleanField(default=False)
    content_id = models.CharField(max_length=255, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class ImapCursor(models.Model):
    """How far a mailbox's IMAP folder has been read: valid while UIDVALIDITY stays the same."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="imap_cursors")
    folder = models.CharField(max_length=255)
    uidvalidity = models.PositiveBigIntegerField()
    last_uid = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "folder"], name="imap_cursor_per_folder")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.folder}:{self.uidvalidity}:{self.last_uid}"


class Pop3Seen(models.Model):
    """A POP3 message (by its UIDL) already stored, so it is never stored twice."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="pop3_seen")
    uidl = models.CharField(max_length=255)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "uidl"], name="pop3_uidl_once")]

    def __str__(self) -> str:
        return self.uidl


class CannedResponse(models.Model):
    """A text an administrator prepared for replies; ``{placeholders}`` are filled in
    when it is inserted (see ``canned``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mail:canned-edit", args=[self.pk])


class Draft(models.Model):
    """What a user is writing in a case's composer, saved as they type (see ``compose``).

    One per case, author, kind and replied message; only its author ever sees it.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        REPLY_ALL = "reply-all", _("Reply all")
        FORWARD = "forward", _("Forward")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="mail_drafts")
    author = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.REPLY)
    replying_to = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to = models.TextField(blank=True)
    cc = models.TextField(blank=True)
    bcc = models.TextField(blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    # What the HTML editor holds (sanitised when sent); empty when written as plain text.
    body_html = models.TextField(blank=True)
    status = models.ForeignKey(
        "cases.Status", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # forward: the original message's attachments chosen to go along
    forwarded = models.ManyToManyField(Attachment, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "author", "kind", "replying_to"],
                condition=Q(replying_to__isnull=False),
                name="draft_one_per_replied_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.author_id}:{self.kind}:{self.replying_to_id}"


class DraftAttachment(models.Model):
    """A file uploaded into a draft; its bytes are in the blob store under ``sha256``."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "sha256", "name"], name="draft_attachment_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseMailbox(models.Model):
    """The mailbox a case's replies and notices go out from, when the case names one; without
    a row (or when its mailbox cannot send: inactive, an archive) the default mailbox sends.
    Read through ``mailboxes.mailbox_for_case``, written by ``mailboxes.case_mailbox_set``.
    Kept in mail, above the cases, so a case knows nothing of mailboxes."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("mailbox"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("case's mailbox")
        verbose_name_plural = _("cases' mailboxes")

    def __str__(self) -> str:
        return f"#{self.case_id} → {self.mailbox_id}"
