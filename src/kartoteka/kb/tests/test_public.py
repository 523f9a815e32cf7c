"""The public help pages at /help/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.kb.models import Article, SuggestionOpening
from kartoteka.testing.clients import client_for
from kartoteka.testing.kb import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(admin):
    return make_category("Faktury")


def test_anonymous_reads_a_public_article_at_its_clean_address(client, category):
    article = make_article("Duplikat faktury", "Podaj **numer**.", category=category)
    response = client.get("/help/faktury/duplikat-faktury/")
    assert response.status_code == 200
    assert "<strong>numer</strong>" in response.content.decode()
    article.refresh_from_db()
    assert article.view_count == 1


def test_wrong_category_in_the_address_redirects(client, category):
    make_article("Duplikat faktury", category=category)
    response = client.get("/help/inna/duplikat-faktury/")
    assert response.status_code == 301
    assert response["Location"] == "/help/faktury/duplikat-faktury/"


@pytest.mark.parametrize(
    ("status", "visibility"),
    [("published", "internal"), ("published", "portal"), ("draft", "public"),
     ("archived", "public")],
)  # fmt: skip
def test_anonymous_gets_404_for_what_is_not_public(client, category, status, visibility):
    article = make_article("Ukryty", category=category, status=status, visibility=visibility)
    assert client.get(article.public_url()).status_code == 404


def test_portal_user_also_reads_portal_articles(portal_user, category):
    article = make_article("Dla klientów", category=category, visibility="portal")
    internal = make_article("Wewnętrzne", category=category, visibility="internal")
    client = client_for(portal_user)
    assert client.get(article.public_url()).status_code == 200
    assert client.get(internal.public_url()).status_code == 404


def test_staff_see_no_internal_article_on_public_pages(agent, category):
    internal = make_article("Wewnętrzne", category=category, visibility="internal")
    assert client_for(agent).get(internal.public_url()).status_code == 404


def test_home_lists_categories_and_searches(client, category):
    make_article("Duplikat faktury", category=category)
    make_article("Tajne", category=category, visibility="internal")
    home = client.get(reverse("kb-public:home")).content.decode()
    assert "Faktury" in home
    assert "Duplikat faktury" in home
    assert "Tajne" not in home
    found = client.get(reverse("kb-public:home"), {"q": "duplikat"}).content.decode()
    assert "Duplikat faktury" in found
    assert "Tajne" not in client.get(reverse("kb-public:home"), {"q": "tajne"}).content.decode()


def test_category_page_lists_its_public_articles(client, category):
    make_article("Duplikat faktury", category=category)
    page = client.get(reverse("kb-public:category", args=["faktury"]))
    assert "Duplikat faktury" in page.content.decode()
    assert client.get(reverse("kb-public:category", args=["nie-ma"])).status_code == 404


def test_opening_from_a_portal_suggestion_is_recorded(portal_user, client, category):
    article = make_article("Dla klientów", category=category, visibility="portal")
    client_for(portal_user).get(article.public_url(), {"draft": "abc-123"})
    opening = SuggestionOpening.objects.get()
    assert (opening.article, opening.draft, opening.user) == (article, "abc-123", portal_user)
    # anonymous visitors, malformed tokens and staff are not counted
    public = make_article("Publiczny", category=category)
    client.get(public.public_url(), {"draft": "abc"})
    client_for(portal_user).get(article.public_url(), {"draft": "<script>"})
    assert SuggestionOpening.objects.count() == 1


def test_public_attachment_download_checks_visibility(client, category, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kartoteka.kb import services
    from kartoteka.testing.people import persona

    settings.MEDIA_ROOT = tmp_path
    shown = make_article("Publiczny", category=category)
    hidden = make_article("Wewnętrzny", category=category, visibility="internal")
    for article in (shown, hidden):
        services.attachment_add(
            article=article,
            by=persona("admin"),
            file=SimpleUploadedFile("a.pdf", b"%PDF-1", "application/pdf"),
        )
    ok = client.get(reverse("kb-public:attachment", args=[shown.pk, shown.attachments.get().pk]))
    assert ok.status_code == 200
    hidden_file = hidden.attachments.get().pk
    assert (
        client.get(reverse("kb-public:attachment", args=[hidden.pk, hidden_file])).status_code
        == 404
    )
    assert (
        client.get(reverse("kb-public:attachment", args=[shown.pk, hidden_file])).status_code == 404
    )


def test_pages_carry_no_inline_script(client, category):
    make_article("Duplikat", "<script>alert(1)</script>", category=category)
    html = client.get("/help/faktury/duplikat/").content.decode()
    assert "<script" not in html
    assert Article.objects.count() == 1
