"""The knowledge base: categories, articles with their versions and files, links to cases,
the search index's rows and the openings of suggested articles in the portal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kartoteka.people.models import User


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["position", "name", "pk"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible_to(self, user: Any) -> ArticleQuerySet:
        """Staff see every article; an active portal user the published portal and public
        ones; everyone else (anonymous) the published public ones."""
        from kartoteka.people.models import User

        published = self.filter(status=Article.Status.PUBLISHED)
        if user is None or not user.is_authenticated:
            return published.filter(visibility=Article.Visibility.PUBLIC)
        if user.is_staff_member:
            return self.all()
        if user.is_active and user.role == User.Role.PORTAL:
            return published.filter(
                visibility__in=[Article.Visibility.PORTAL, Article.Visibility.PUBLIC]
            )
        return self.none()

    def published(self) -> ArticleQuerySet:
        return self.filter(status=Article.Status.PUBLISHED)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (staff only)")
        PORTAL = "portal", _("Portal (signed-in customers)")
        PUBLIC = "public", _("Public (everyone)")

    class Language(models.TextChoices):
        POLISH = "pl", _("Polish")
        CZECH = "cs", _("Czech")
        ENGLISH = "en", _("English")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=200, unique=True)
    body = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language, default="pl")
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility, default=Visibility.INTERNAL
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "visibility", "language"], name="kb_article_shown"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:article-detail", args=[self.pk])

    def public_url(self) -> str:
        """The clean address of the help pages (``/help/<category>/<article>/``)."""
        category = self.category.slug if self.category_id and self.category else "-"
        return reverse("kb-public:article", args=[category, self.slug])

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class ArticleVersion(models.Model):
    """The title and text of an article as one save left them (the newest is the current)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="kb/%Y/%m/", max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=127, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")

    def __str__(self) -> str:
        return self.name


class CaseArticle(models.Model):
    """An article linked to a case (shown on the case page)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="kb_links")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="case_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        ordering = ["linked_at", "pk"]
        verbose_name = _("linked article")
        verbose_name_plural = _("linked articles")
        constraints = [
            models.UniqueConstraint(fields=["case", "article"], name="kb_case_article_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.case_id} ↔ {self.article_id}"


class SuggestionOpening(models.Model):
    """A portal user opened an article suggested while writing a new case (``draft`` names
    that unsent case); ``case`` is set once the case was created after all. An opening
    whose draft never became a case counts as a deflection."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="openings")
    draft = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("suggestion opening")
        verbose_name_plural = _("suggestion openings")
        indexes = [models.Index(fields=["user", "draft"], name="kb_opening_draft")]

    def __str__(self) -> str:
        return f"{self.article_id} by {self.user_id}"


class Term(models.Model):
    """A word of the search index (folded, cut to ``search.TERM_LENGTH`` letters) and in how
    many articles it stands: what tells a distinctive word from a common one."""

    term = models.CharField(max_length=32, primary_key=True)
    articles = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term


class ArticleTerm(models.Model):
    """One word of one article in the search index, with its weight there (a word in the
    title weighs more than in the text, repeats less and less)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=32)
    weight = models.FloatField()

    class Meta:
        verbose_name = _("article search term")
        verbose_name_plural = _("article search terms")
        indexes = [models.Index(fields=["term", "article"], name="kb_term_article")]
        constraints = [
            models.UniqueConstraint(fields=["article", "term"], name="kb_article_term_unique")
        ]

    def __str__(self) -> str:
        return self.term


def user_may_publish(user: User) -> bool:
    """Publishing (and archiving) is for those who configure cases and administrators."""
    return bool(user.configures_cases)
