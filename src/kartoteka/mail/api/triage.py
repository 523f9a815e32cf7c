"""The staff API of the triage inbox: received messages no case has taken yet.

Only users who work with cases get in (``WorksWithCases``); reads go through
``mail.selectors``. A message marked ``forged`` named a case (by its subject tag or headers)
whose participants do not include the sender; ``points_to_case`` says which.
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.core.rest import WorksWithCases
from kartoteka.mail import selectors
from kartoteka.mail.api.messages import (
    AttachmentSerializer,
    HeldHtmlSerializer,
    SenderProofSerializer,
)
from kartoteka.mail.models import Message
from kartoteka.mail.reading.threading import FORGED_HIDDEN_REASON
from kartoteka.people.models import User


def _case_worker(request: Request) -> User:
    return cast(User, request.user)


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()


class MailboxNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()


class TriageMessageSerializer(SenderProofSerializer):
    id = serializers.IntegerField()
    mailbox = MailboxNameSerializer(allow_null=True)
    subject = serializers.CharField()
    sender = serializers.SerializerMethodField()
    to = PersonSerializer(many=True)
    cc = PersonSerializer(many=True)
    date = serializers.DateTimeField(allow_null=True, help_text="The Date header.")
    received_at = serializers.DateTimeField(source="created_at")
    reason = serializers.SerializerMethodField(help_text="Why the message waits in triage.")
    forged = serializers.BooleanField(
        help_text="It named a case the sender is not a participant of."
    )
    points_to_case = serializers.SerializerMethodField(
        help_text="The case number a forged message named."
    )
    auto_reply = serializers.BooleanField()
    bounce = serializers.BooleanField()

    def get_sender(self, message: Message) -> dict[str, str]:
        return {"name": message.from_name, "address": message.from_address}

    def get_points_to_case(self, message: Message) -> int | None:
        return selectors.message_points_to_case(message)

    def get_reason(self, message: Message) -> str:
        """The stored reason, except that a forged message's names the case's number: only
        for a reader who may see that case."""
        if message.forged and selectors.message_points_to_case(message) is None:
            return FORGED_HIDDEN_REASON
        return message.reason


class TriageMessageDetailSerializer(HeldHtmlSerializer, TriageMessageSerializer):
    message_id = serializers.CharField()
    in_reply_to = serializers.CharField()
    reply_to = PersonSerializer(many=True)
    text = serializers.CharField()
    text_new = serializers.CharField(help_text="The text without the quoted conversation.")
    attachments = AttachmentSerializer(many=True)


class TriageListApi(GenericAPIView):
    """Received messages waiting in triage, newest first, paged."""

    permission_classes = [WorksWithCases]

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Message.objects.none()
        return selectors.triage_list(_case_worker(self.request))

    @extend_schema(responses=TriageMessageSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TriageMessageSerializer(page, many=True).data)


class TriageDetailApi(APIView):
    """One message in triage with its text, HTML and attachments; 404 once placed."""

    permission_classes = [WorksWithCases]

    @extend_schema(responses=TriageMessageDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        message = selectors.triage_message_get_for_user(_case_worker(request), pk)
        return Response(TriageMessageDetailSerializer(message).data)
