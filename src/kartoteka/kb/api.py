"""The knowledge base's API (``/api/v1/kb/``, mounted in the root URLconf beside ``api``):
categories and articles for staff, token or session authentication.

- ``GET/POST /api/v1/kb/categories/``, ``GET/PATCH/PUT/DELETE …/categories/{id}/``;
- ``GET/POST /api/v1/kb/articles/`` (filters ``q``, ``category``, ``status``,
  ``visibility``, ``language``), ``GET/PATCH/PUT/DELETE …/articles/{id}/``;
- ``GET /api/v1/kb/articles/{id}/versions/``: the article's history;
- ``POST /api/v1/kb/articles/suggest/`` (``text``, optional ``language``, ``limit``): the
  published articles suggested for a text, as on the case page.

Every read goes through ``Article.objects.visible_to``; writes through ``kb.services``.
Publishing, archiving and deleting need the right to publish (403 without it).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import include, path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from kartoteka.core.rest import service_error
from kartoteka.kb import selectors, services
from kartoteka.kb.models import Article, ArticleVersion, Category
from kartoteka.kb.rendering import render_markdown
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.people.models import User

STATUSES = [value for value, _label in Article.Status.choices]
VISIBILITIES = [value for value, _label in Article.Visibility.choices]
LANGUAGES = [value for value, _label in Article.Language.choices]


def _user(request: Request) -> User:
    return cast(User, request.user)


class CategorySerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Category.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "position", "parent"]


class ArticleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    body = serializers.CharField(help_text="Markdown (a safe subset; HTML is shown as text).")
    html = serializers.SerializerMethodField(help_text="The text rendered to safe HTML.")
    language = serializers.CharField(help_text="pl, cs or en.")
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list")
    status = serializers.CharField(help_text="draft, published or archived.")
    visibility = serializers.CharField(help_text="internal, portal or public.")
    category = serializers.IntegerField(source="category_id", allow_null=True)
    author = serializers.IntegerField(source="author_id", allow_null=True)
    version = serializers.IntegerField()
    view_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    public_url = serializers.SerializerMethodField(
        help_text="The help page's address (only a published portal or public article)."
    )

    def get_html(self, article: Article) -> str:
        return render_markdown(article.body)

    def get_public_url(self, article: Article) -> str | None:
        shown = article.status == Article.Status.PUBLISHED
        if not shown or article.visibility == Article.Visibility.INTERNAL:
            return None
        return article.public_url()


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.TITLE_MAX)
    body = serializers.CharField(
        max_length=services.BODY_MAX, allow_blank=True, required=False, trim_whitespace=False
    )
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    visibility = serializers.ChoiceField(choices=VISIBILITIES, required=False)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Kept with the version."
    )

    def values(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("note", None)
        if "tags" in data:
            data["tags"] = ", ".join(data["tags"])
        return data


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    author = serializers.IntegerField(source="author_id", allow_null=True)
    created_at = serializers.DateTimeField()
    note = serializers.CharField()


class SuggestInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=50_000)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class CategoryViewSet(viewsets.ModelViewSet):
    """The knowledge base's categories; changing them needs the right to publish."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = services.category_create(
                by=_user(self.request), **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise service_error(error) from error

    def perform_update(self, serializer: Any) -> None:
        try:
            services.category_update(
                category=serializer.instance, by=_user(self.request), **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise service_error(error) from error

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance, by=_user(self.request))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words the article holds (all of them)."),
            OpenApiParameter("category", int),
            OpenApiParameter("status", str, enum=STATUSES),
            OpenApiParameter("visibility", str, enum=VISIBILITIES),
            OpenApiParameter("language", str, enum=LANGUAGES),
        ],
        responses=ArticleOutputSerializer(many=True),
    ),
    retrieve=extend_schema(responses=ArticleOutputSerializer),
    create=extend_schema(request=ArticleInputSerializer, responses={201: ArticleOutputSerializer}),
    update=extend_schema(request=ArticleInputSerializer, responses=ArticleOutputSerializer),
    partial_update=extend_schema(request=ArticleInputSerializer, responses=ArticleOutputSerializer),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Articles the user sees (staff: all); 404 for another's id."""

    serializer_class = ArticleOutputSerializer
    queryset = Article.objects.none()  # for the schema; ``get_queryset`` is what is read
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Article]:
        params = self.request.query_params
        category = params.get("category", "")
        filters = selectors.ArticleFilters(
            q=params.get("q", "")[:200],
            category=int(category) if category.isdigit() else None,
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            visibility=(
                params.get("visibility", "") if params.get("visibility") in VISIBILITIES else ""
            ),
            language=params.get("language", "") if params.get("language") in LANGUAGES else "",
        )
        if self.action != "list":
            return Article.objects.visible_to(self.request.user)
        return selectors.article_list(self.request.user, filters)

    def create(self, request: Request) -> Response:
        data = ArticleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            article = services.article_create(by=_user(request), **data.values())
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(ArticleOutputSerializer(article).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        article = self.get_object()
        data = ArticleInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        try:
            article = services.article_update(
                article=article,
                by=_user(request),
                note=data.validated_data.get("note", ""),
                **data.values(),
            )
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(ArticleOutputSerializer(article).data)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    def perform_destroy(self, instance: Article) -> None:
        services.article_delete(article=instance, by=_user(self.request))

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        versions: QuerySet[ArticleVersion] = article.versions.all()
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(request=SuggestInputSerializer, responses=ArticleOutputSerializer(many=True))
    @action(detail=False, methods=["post"])
    def suggest(self, request: Request) -> Response:
        data = SuggestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        found = articles_suggested(
            values["text"],
            user=request.user,
            language=values.get("language"),
            limit=values["limit"],
        )
        return Response(ArticleOutputSerializer(found, many=True).data)


router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("articles", ArticleViewSet, basename="article")

app_name = "kb-api"
urlpatterns = [path("", include(router.urls))]
