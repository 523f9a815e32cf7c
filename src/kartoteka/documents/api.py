"""The API of documents: a customer's documents and one document with its files' versions.

Read only; every row comes through ``Document.objects.visible_to(user)``: a confidential
document is not in the list and answers 404 for whoever it does not name, as on the pages.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Count, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.customers.selectors import account_get_for_user
from kartoteka.documents import selectors
from kartoteka.documents.models import Document, DocumentFile
from kartoteka.people.models import User


class DocumentFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    size = serializers.IntegerField()
    content_type = serializers.CharField(help_text="As sniffed from the content on upload.")
    uploaded_at = serializers.DateTimeField()
    text_state = serializers.ChoiceField(choices=DocumentFile.TextState.choices)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, file: DocumentFile) -> str:
        return reverse("documents:download", args=[file.document_id, file.pk])


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    type = serializers.CharField(
        source="document_type.name", help_text="The type's main name, as the administrator gave it."
    )
    type_name = serializers.CharField(
        source="document_type.local_name",
        help_text="The type's name in the language of the request (its user's).",
    )
    title = serializers.CharField()
    description = serializers.CharField()
    date = serializers.DateField()
    author = serializers.CharField(source="author.get_username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    confidential = serializers.BooleanField()


class DocumentListSerializer(DocumentSerializer):
    files = serializers.IntegerField(source="file_count", help_text="How many files it holds.")


class DocumentDetailSerializer(DocumentSerializer):
    case = serializers.SerializerMethodField(help_text="Its case's number, if you may see it.")
    contacts = serializers.SerializerMethodField()
    files = DocumentFileSerializer(many=True, help_text="Every version, newest first per name.")

    def get_case(self, document: Document) -> int | None:
        case = selectors.document_case_for_user(self.context["user"], document)
        return case.number if case is not None else None

    def get_contacts(self, document: Document) -> list[int]:
        return [contact.pk for contact in document.contacts.all()]


def _user(request: Request) -> User:
    return cast(User, request.user)


class AccountDocumentListApi(GenericAPIView):
    """The documents of a customer the user may see, newest first, paged."""

    queryset = Document.objects.none()  # for the schema; the rows come from get_queryset

    def get_queryset(self) -> QuerySet[Document]:
        user = _user(self.request)
        account = account_get_for_user(user, self.kwargs["pk"])
        return (
            Document.objects.visible_to(user)
            .filter(account=account)
            .select_related("document_type", "author")
            .annotate(file_count=Count("files"))
            .order_by("-created_at", "-pk")
        )

    @extend_schema(responses=DocumentListSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DocumentListSerializer(page, many=True).data)


class DocumentDetailApi(APIView):
    """One document with its files; 404 when the user may not see it."""

    @extend_schema(responses=DocumentDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = _user(request)
        document = selectors.document_get_for_user(user, pk)
        return Response(DocumentDetailSerializer(document, context={"user": user}).data)
