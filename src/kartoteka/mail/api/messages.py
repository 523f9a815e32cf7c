"""The staff API of a case's messages (read them, send a reply) and of the mailboxes.

``/cases/{number}/messages/``: users who see the case (404 otherwise) list its messages and
read one with its bodies and attachments; case workers send a reply (JSON, or multipart with
files under ``attachments``), which is queued and sent by the outbox after commit.
``/mailboxes/``: administrators only, and no password ever leaves the server.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.cases import selectors as case_selectors
from kartoteka.cases.api import NamedObjectSerializer
from kartoteka.cases.models import Case
from kartoteka.core.rest import IsStaffMember, WorksWithCases, service_error
from kartoteka.mail.display import message_display
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending.outbound import OutgoingAttachment, mailboxes_for_sending, reply_create
from kartoteka.people.models import User


def _user(request: Request) -> User:
    return cast(User, request.user)


def _case_messages(user: User, case: Case) -> QuerySet[Message]:
    """The messages of a case the user sees, oldest first, with what the output shows."""
    return (
        Message.objects.visible_to(user)
        .filter(case=case)
        .select_related("author", "mailbox")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def _message_get_for_user(user: User, number: int, pk: int) -> Message:
    case = case_selectors.case_get_for_user(user, number)
    message = _case_messages(user, case).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


# Output


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.EmailField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    inline = serializers.BooleanField()
    content_id = serializers.CharField()
    sha256 = serializers.CharField()


class SenderProofSerializer(serializers.Serializer):
    """What proves (or casts doubt on) a received message's sender."""

    sender_verification = serializers.ChoiceField(
        choices=Message.SenderVerification.choices,
        help_text="Received mail: whether a trusted server or DKIM proved the From domain.",
    )
    sender_claims_own = serializers.BooleanField(
        help_text="Received mail: the From is a staff address or in one of our own domains."
    )
    sender_suspicion = serializers.ChoiceField(
        choices=Message.SenderSuspicion.choices,
        help_text="Received mail: why the From header looks like someone else's, if it does.",
    )


class MessageOutputSerializer(SenderProofSerializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    state = serializers.ChoiceField(choices=Message.State.choices)
    reason = serializers.CharField()
    error = serializers.CharField(help_text="Why sending failed or is being retried.")
    message_id = serializers.CharField()
    in_reply_to = serializers.CharField()
    subject = serializers.CharField()
    sender = serializers.SerializerMethodField()
    to = AddressSerializer(many=True)
    cc = AddressSerializer(many=True)
    reply_to = AddressSerializer(many=True)
    date = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    delivery_failed_at = serializers.DateTimeField(
        allow_null=True, help_text="When a bounce reported that this sent message failed."
    )
    delivery_error = serializers.CharField(help_text="What the bounce said went wrong.")
    auto_reply = serializers.BooleanField()
    bounce = serializers.BooleanField()
    author = NamedObjectSerializer(allow_null=True)
    mailbox = NamedObjectSerializer(allow_null=True)
    attachments = AttachmentSerializer(many=True)

    def get_sender(self, message: Message) -> dict[str, str] | None:
        if not message.from_address:
            return None
        return {"name": message.from_name, "address": message.from_address}


class HeldHtmlSerializer(serializers.Serializer):
    """A stored message's HTML as the page shows it (``mail.display``): remote images held in
    ``data-remote-src`` (never loaded by a client that renders it, whatever version of the
    sanitiser stored the message), inline images at their attachments' URLs."""

    html = serializers.SerializerMethodField(
        help_text="Sanitised HTML, remote images held in data-remote-src; empty when none."
    )
    remote_images = serializers.SerializerMethodField(
        help_text="How many remote images the HTML holds back."
    )

    def get_html(self, message: Message) -> str:
        return str(message_display(message, message.attachments.all()).html)

    def get_remote_images(self, message: Message) -> int:
        return message_display(message, message.attachments.all()).remote_images


class MessageDetailOutputSerializer(HeldHtmlSerializer, MessageOutputSerializer):
    references = serializers.SerializerMethodField()
    text = serializers.CharField()
    text_new = serializers.CharField(help_text="The text without the quoted conversation.")

    def get_references(self, message: Message) -> list[str]:
        return message.references.split()


# Input


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    subject = serializers.CharField(
        required=False, max_length=998, help_text="Default: the case's subject."
    )
    to = serializers.ListField(
        child=serializers.CharField(max_length=320),
        required=False,
        help_text="Default: the sender of the replied message, else the case's reporter.",
    )
    cc = serializers.ListField(
        child=serializers.CharField(max_length=320), required=False, default=list
    )
    mailbox = serializers.PrimaryKeyRelatedField(
        queryset=Mailbox.objects.none(),
        required=False,
        help_text="Default: the mailbox the replied message came in, else the default one.",
    )
    in_reply_to = serializers.IntegerField(
        required=False, help_text="The id of the case's message answered; default the latest."
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mailbox"].queryset = mailboxes_for_sending()  # type: ignore[attr-defined]

    def validate_in_reply_to(self, value: int) -> Message:
        message = Message.objects.filter(case=self.context["case"], pk=value).first()
        if message is None:
            raise serializers.ValidationError(_("That message is not part of this case."))
        return message


# Views


class MessageListApi(GenericAPIView):
    """The messages of a case, oldest first; a reply sent from the case."""

    permission_classes = [WorksWithCases]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Message.objects.none()
        user = _user(self.request)
        return _case_messages(user, case_selectors.case_get_for_user(user, self.kwargs["number"]))

    @extend_schema(responses=MessageOutputSerializer(many=True))
    def get(self, request: Request, number: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MessageOutputSerializer(page, many=True).data)

    @extend_schema(request=ReplyInputSerializer, responses={201: MessageDetailOutputSerializer})
    def post(self, request: Request, number: int) -> Response:
        user = _user(request)
        case = case_selectors.case_get_for_user(user, number, write=True)
        given = ReplyInputSerializer(data=request.data, context={"request": request, "case": case})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            message = reply_create(
                case=case,
                by=user,
                text=data["text"],
                to=data.get("to"),
                cc=data["cc"],
                mailbox=data.get("mailbox"),
                replying_to=data.get("in_reply_to"),
                subject=data.get("subject"),
                attachments=[
                    OutgoingAttachment(
                        filename=upload.name or _("attachment"),
                        content=upload.read(),
                        content_type=upload.content_type or "",
                    )
                    for upload in data["attachments"]
                ],
            )
        except DjangoValidationError as error:
            raise service_error(error) from error
        message = _message_get_for_user(user, number, message.pk)
        return Response(MessageDetailOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageDetailApi(APIView):
    """One message of a case, with its text, sanitised HTML and attachments."""

    permission_classes = [WorksWithCases]

    @extend_schema(responses=MessageDetailOutputSerializer)
    def get(self, request: Request, number: int, pk: int) -> Response:
        message = _message_get_for_user(_user(request), number, pk)
        return Response(MessageDetailOutputSerializer(message).data)


# Mailboxes


class IsAdministrator(IsStaffMember):
    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and bool(request.user.is_administrator)


class MailboxOutputSerializer(serializers.Serializer):
    """A mailbox's settings; passwords are never shown, only whether one is set."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.EmailField()
    sender_name = serializers.CharField()
    protocol = serializers.ChoiceField(choices=Mailbox.Protocol.choices)
    host = serializers.CharField()
    port = serializers.IntegerField(allow_null=True)
    security = serializers.ChoiceField(choices=Mailbox.Security.choices)
    login = serializers.CharField()
    has_password = serializers.SerializerMethodField()
    imap_folder = serializers.CharField()
    after_fetch = serializers.ChoiceField(choices=Mailbox.AfterFetch.choices)
    move_to_folder = serializers.CharField()
    smtp_host = serializers.CharField()
    smtp_port = serializers.IntegerField(allow_null=True)
    smtp_security = serializers.ChoiceField(choices=Mailbox.Security.choices)
    smtp_login = serializers.CharField()
    has_smtp_password = serializers.SerializerMethodField()
    signature_text = serializers.CharField()
    signature_html = serializers.CharField()
    fetch_every_minutes = serializers.IntegerField()
    active = serializers.BooleanField()
    is_default = serializers.BooleanField()
    group = NamedObjectSerializer(allow_null=True)
    purpose = serializers.ChoiceField(choices=Mailbox.Purpose.choices)
    unknown_sender = serializers.ChoiceField(choices=Mailbox.UnknownSender.choices)
    trusted_authserv_ids = serializers.CharField()
    verify_dkim = serializers.BooleanField()
    last_fetch_at = serializers.DateTimeField(allow_null=True)
    last_fetch_error = serializers.CharField()
    messages = serializers.IntegerField(source="message_count", help_text="Stored messages.")

    def get_has_password(self, mailbox: Mailbox) -> bool:
        return bool(mailbox.password_encrypted)

    def get_has_smtp_password(self, mailbox: Mailbox) -> bool:
        return bool(mailbox.smtp_password_encrypted)


def _mailboxes() -> QuerySet[Mailbox]:
    return (
        Mailbox.objects.select_related("group")
        .annotate(message_count=Count("messages"))
        .order_by("name")
    )


class MailboxListApi(GenericAPIView):
    """Every mailbox (administrators only)."""

    permission_classes = [IsAdministrator]

    def get_queryset(self) -> QuerySet[Mailbox]:
        return _mailboxes()

    @extend_schema(responses=MailboxOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MailboxOutputSerializer(page, many=True).data)


class MailboxDetailApi(APIView):
    """One mailbox (administrators only)."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses=MailboxOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        mailbox = _mailboxes().filter(pk=pk).first()
        if mailbox is None:
            raise Http404
        return Response(MailboxOutputSerializer(mailbox).data)
