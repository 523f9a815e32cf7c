"""The staff pages of the knowledge base."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kartoteka.kb import services
from kartoteka.kb.models import Article, Category
from kartoteka.testing.clients import client_for
from kartoteka.testing.kb import make_article, make_category

pytestmark = pytest.mark.django_db


def test_portal_user_and_anonymous_cannot_reach_staff_pages(portal_user, client):
    article = make_article()
    for url in (reverse("kb:article-list"), reverse("kb:article-detail", args=[article.pk])):
        assert client_for(portal_user).get(url).status_code == 404
        assert client.get(url).status_code == 302  # to the login page


def test_list_filters_and_searches(agent):
    category = make_category("Faktury")
    make_article("Duplikat faktury", category=category)
    make_article("Reset hasła", status="draft", visibility="internal")
    client = client_for(agent)
    url = reverse("kb:article-list")
    assert b"Duplikat faktury" in client.get(url).content
    only_drafts = client.get(url, {"status": "draft"}).content.decode()
    assert "Reset hasła" in only_drafts
    assert "Duplikat faktury" not in only_drafts
    by_category = client.get(url, {"category": category.pk}).content.decode()
    assert "Duplikat faktury" in by_category
    assert "Reset hasła" not in by_category
    found = client.get(url, {"q": "haslo"}).content.decode()
    assert "Reset hasła" in found
    assert "Duplikat faktury" not in found
    assert client.get(url, {"status": "nonsense", "category": "x"}).status_code == 200


def test_list_queries_do_not_grow_with_articles(agent, django_assert_max_num_queries):
    for n in range(30):
        make_article(f"Artykuł {n}")
    client = client_for(agent)
    client.get(reverse("kb:article-list"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("kb:article-list")).status_code == 200


def test_agent_writes_a_draft_with_preview(agent):
    client = client_for(agent)
    preview = client.post(reverse("kb:article-preview"), {"body": "**ważne** <script>x</script>"})
    assert b"<strong>wa\xc5\xbcne</strong>" in preview.content
    assert b"<script>" not in preview.content
    response = client.post(
        reverse("kb:article-create"),
        {"title": "Nowy artykuł", "body": "Treść", "language": "pl", "tags": "a, b",
         "visibility": "internal", "status": "draft"},
    )  # fmt: skip
    article = Article.objects.get(title="Nowy artykuł")
    assert response.status_code == 302
    assert (article.status, article.author, article.tags) == ("draft", agent, "a, b")


def test_agent_cannot_publish_through_the_form(agent):
    response = client_for(agent).post(
        reverse("kb:article-create"),
        {"title": "X", "body": "", "language": "pl", "visibility": "public",
         "status": "published"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Article.objects.exists()


def test_edit_history_diff_and_restore(admin):
    article = make_article("Tytuł", "linia 1\nlinia 2")
    client = client_for(admin)
    response = client.post(
        reverse("kb:article-edit", args=[article.pk]),
        {"title": "Tytuł", "body": "linia 1\nlinia 3", "language": "pl", "tags": "",
         "visibility": "public", "status": "published", "note": "poprawka"},
    )  # fmt: skip
    assert response.status_code == 302
    history = client.get(reverse("kb:article-history", args=[article.pk])).content.decode()
    assert "poprawka" in history
    assert "Restore this version" in history
    diff = client.get(reverse("kb:article-version", args=[article.pk, 2])).content.decode()
    assert '<span class="kb-diff-removed">− linia 2</span>' in diff
    assert '<span class="kb-diff-added">+ linia 3</span>' in diff
    client.post(reverse("kb:article-restore", args=[article.pk, 1]))
    article.refresh_from_db()
    assert (article.body, article.version) == ("linia 1\nlinia 2", 3)
    missing = client.get(reverse("kb:article-version", args=[article.pk, 99]))
    assert missing.status_code == 404


def test_attachments_upload_and_download(agent, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    article = make_article()
    client = client_for(agent)
    upload = SimpleUploadedFile("../../instrukcja.html", b"<script>x</script>", "text/html")
    client.post(reverse("kb:attachment-add", args=[article.pk]), {"file": upload})
    attachment = article.attachments.get()
    assert attachment.name == "instrukcja.html"
    response = client.get(reverse("kb:attachment", args=[article.pk, attachment.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    other = make_article("Inny")
    wrong = client.get(reverse("kb:attachment", args=[other.pk, attachment.pk]))
    assert wrong.status_code == 404


def test_stats_are_shown(admin, portal_user):
    article = make_article(visibility="portal")
    services.suggestion_opening_record(article=article, draft="abc", user=portal_user)
    page = client_for(admin).get(reverse("kb:article-detail", args=[article.pk])).content
    assert b'data-stat="openings">1<' in page
    assert b'data-stat="deflections">1<' in page
    assert b'data-stat="views">0<' in page  # counted after the page was read


def test_categories_are_kept_by_configurators_only(admin, agent):
    response = client_for(admin).post(
        reverse("kb:category-list"), {"name": "Faktury", "position": 1}
    )
    assert response.status_code == 302
    category = Category.objects.get()
    assert category.slug == "faktury"
    assert (
        client_for(agent)
        .post(reverse("kb:category-list"), {"name": "X", "position": 1})
        .status_code
        == 403
    )
    assert client_for(agent).get(reverse("kb:category-list")).status_code == 200
    loop = client_for(admin).post(
        reverse("kb:category-edit", args=[category.pk]),
        {"name": "Faktury", "position": 1, "parent": category.pk},
    )
    assert loop.status_code == 400


def test_someone_elses_unknown_article_is_404(agent):
    assert client_for(agent).get(reverse("kb:article-detail", args=[999999])).status_code == 404
