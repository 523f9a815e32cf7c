"""Writes of the knowledge base: articles and their versions, categories, files, links to
cases, views and the openings of portal suggestions.

Every change of an article's title, text or tags rewrites its search index rows
(``kb.search.article_index``) in the same transaction; every change of its title or text
writes a new ``ArticleVersion``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kartoteka.core.files import file_name_clean
from kartoteka.core.text_search import fold
from kartoteka.kb import search
from kartoteka.kb.models import (
    Article,
    ArticleAttachment,
    ArticleVersion,
    CaseArticle,
    Category,
    SuggestionOpening,
    user_may_publish,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
TITLE_MAX = 200
BODY_MAX = 100_000
DRAFT_MAX = 64
EDITABLE = ("title", "body", "language", "tags", "status", "visibility", "category")


def slug_make(text: str, taken: Any, *, limit: int = 200) -> str:
    """An ASCII slug of ``text`` ("Łódź i okolice" → "lodz-i-okolice"), made unique with a
    number where ``taken(slug)`` says it is taken."""
    base = slugify(fold(text))[: limit - 8].strip("-") or "artykul"
    slug, number = base, 2
    while taken(slug):
        slug = f"{base}-{number}"
        number += 1
    return slug


def _tags_clean(tags: str) -> str:
    seen = dict.fromkeys(tag.strip()[:40] for tag in tags.split(",") if tag.strip())
    return ", ".join(list(seen)[:20])[:300]


def _check(by: User, values: dict[str, Any], article: Article | None) -> None:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = _("Give the article a title.")
    elif len(values["title"]) > TITLE_MAX:
        errors["title"] = _("The title may have up to %(limit)s characters.") % {"limit": TITLE_MAX}
    if len(values.get("body") or "") > BODY_MAX:
        errors["body"] = _("The text may have up to %(limit)s characters.") % {"limit": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    publishing = values.get("status", Article.Status.DRAFT) != Article.Status.DRAFT
    changed = article is None or values.get("status", article.status) != article.status
    if publishing and changed and not user_may_publish(by):
        raise PermissionDenied


def _version_write(article: Article, *, by: User | None, note: str = "") -> ArticleVersion:
    article.version += 1
    Article.objects.filter(pk=article.pk).update(version=article.version)
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        author=by,
        note=note[:200],
    )


@transaction.atomic
def article_create(*, by: User, **values: Any) -> Article:
    """A new article (a draft unless ``status`` says otherwise, which needs the right to
    publish, see ``models.user_may_publish``) with its first version and index rows."""
    values = {key: value for key, value in values.items() if key in EDITABLE}
    _check(by, values, None)
    values["tags"] = _tags_clean(values.get("tags", ""))
    values["title"] = values["title"].strip()
    article = Article(author=by, **values)
    article.slug = slug_make(article.title, lambda slug: Article.objects.filter(slug=slug).exists())
    if article.status == Article.Status.PUBLISHED:
        article.published_at = timezone.now()
    article.save()
    _version_write(article, by=by)
    search.article_index(article)
    return article


@transaction.atomic
def article_update(*, article: Article, by: User, note: str = "", **values: Any) -> Article:
    """Change an article: a changed title or text writes a new version; publishing,
    archiving or taking back to a draft needs the right to publish. Locks the article."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    values = {key: value for key, value in values.items() if key in EDITABLE}
    merged = {field: getattr(locked, field) for field in EDITABLE if field != "category"}
    merged.update(values)
    _check(by, merged, locked)
    if "tags" in values:
        values["tags"] = _tags_clean(values["tags"])
    if "title" in values:
        values["title"] = values["title"].strip()
    text_changed = any(
        field in values and values[field] != getattr(locked, field) for field in ("title", "body")
    )
    indexed_changed = text_changed or ("tags" in values and values["tags"] != locked.tags)
    for field, value in values.items():
        setattr(locked, field, value)
    if locked.status == Article.Status.PUBLISHED and locked.published_at is None:
        locked.published_at = timezone.now()
    locked.updated_at = timezone.now()
    locked.save()
    if text_changed:
        _version_write(locked, by=by, note=note)
    if indexed_changed:
        search.article_index(locked)
    return locked


def article_restore(*, article: Article, version: ArticleVersion, by: User) -> Article:
    """Make an older version's title and text the current ones (a new version)."""
    if version.article_id != article.pk:
        raise ValidationError(_("That version belongs to another article."))
    note = _("Restored version %(number)s") % {"number": version.number}
    return article_update(article=article, by=by, note=note, title=version.title, body=version.body)


@transaction.atomic
def article_delete(*, article: Article, by: User) -> None:
    if not user_may_publish(by):
        raise PermissionDenied
    search.article_unindex(article.pk)
    for attachment in article.attachments.all():
        attachment.file.delete(save=False)
    article.delete()


def article_viewed(article: Article) -> None:
    """Count one reading of the article (one statement, no lock)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


# Categories


def category_create(
    *, by: User, name: str, parent: Category | None = None, **values: Any
) -> Category:
    if not user_may_publish(by):
        raise PermissionDenied
    name = name.strip()[:120]
    if not name:
        raise ValidationError({"name": _("Give the category a name.")})
    category = Category(name=name, parent=parent, **values)
    category.slug = slug_make(
        name, lambda slug: Category.objects.filter(slug=slug).exists(), limit=80
    )
    category.save()
    return category


def category_update(*, category: Category, by: User, **values: Any) -> Category:
    if not user_may_publish(by):
        raise PermissionDenied
    parent = values.get("parent")
    while parent is not None:
        if parent.pk == category.pk:
            raise ValidationError({"parent": _("A category cannot stand inside itself.")})
        parent = parent.parent
    for field, value in values.items():
        setattr(category, field, value)
    category.save()
    return category


def category_delete(*, category: Category, by: User) -> None:
    """Delete a category; its articles stay, without a category."""
    if not user_may_publish(by):
        raise PermissionDenied
    category.delete()


# Attachments


@transaction.atomic
def attachment_add(*, article: Article, by: User, file: UploadedFile[bytes]) -> ArticleAttachment:
    """Store an uploaded file (up to ``ATTACHMENT_MAX_BYTES``) with the article, under the
    storage's own safe name; the original name is kept for display and download."""
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file has %(size)s; attachments may have up to %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(ATTACHMENT_MAX_BYTES)}
            },
            code="too_big",
        )
    name = file_name_clean(file.name or "") or _("attachment")
    attachment = ArticleAttachment(
        article=article,
        name=name[-255:],
        size=size,
        content_type=(file.content_type or "")[:127],
        uploaded_by=by,
    )
    attachment.file.save(name, file, save=False)
    attachment.save()
    return attachment


def attachment_delete(*, attachment: ArticleAttachment, by: User) -> None:
    attachment.file.delete(save=False)
    attachment.delete()


# Cases


def case_article_link(*, case: Case, article: Article, by: User) -> tuple[CaseArticle, bool]:
    """Link the article to the case (once: a second link is the first); whether it is new."""
    try:
        with transaction.atomic():
            return CaseArticle.objects.get_or_create(
                case=case, article=article, defaults={"linked_by": by}
            )
    except IntegrityError:
        return CaseArticle.objects.get(case=case, article=article), False


def case_article_unlink(*, case: Case, article: Article, by: User) -> bool:
    deleted, _rows = CaseArticle.objects.filter(case=case, article=article).delete()
    return deleted > 0


# Portal suggestions


def suggestion_opening_record(*, article: Article, draft: str, user: User) -> SuggestionOpening:
    """A portal user opened a suggested article while writing the case ``draft`` names."""
    return SuggestionOpening.objects.create(article=article, draft=draft[:DRAFT_MAX], user=user)


def suggestion_openings_case_created(*, draft: str, case: Case) -> int:
    """The portal user created ``case`` after all, from the draft in which they opened
    suggestions: those openings did not deflect it. Returns how many were marked.
    Only the openings of the case's creator count (a draft token of another user is ignored)."""
    if not draft or case.created_by_id is None:
        return 0
    return SuggestionOpening.objects.filter(
        draft=draft[:DRAFT_MAX], user_id=case.created_by_id, case__isnull=True
    ).update(case=case)
