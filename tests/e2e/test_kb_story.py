"""The knowledge base in a real browser: a staff member who configures cases writes and
publishes an article; on a case whose subject matches it, the article is suggested, linked,
and its link goes into the reply. An anonymous visitor reads the public article at /help/
and cannot open an internal one (404)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from kartoteka.kb.models import Article, CaseArticle
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.kb import make_article
from kartoteka.testing.mail.sending import make_inbound, make_mailbox
from kartoteka.testing.people import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_article_written_suggested_linked_and_inserted_then_read_in_public(
    browser: Browser, page: Page, live_server
) -> None:
    # given: a case about a label printer printing faintly
    UserFactory(username="kierownik", role=User.Role.MANAGER, can_configure_cases=True)
    case = make_case("Drukarka etykiet drukuje blado")
    make_inbound(case, mailbox=make_mailbox(), text="Na etykietach są białe paski.")
    internal = make_article("Cennik serwisu — wewnętrzny", visibility="internal")

    # when: the manager writes and publishes an article
    log_in(page, "kierownik")
    page.goto(reverse("kb:article-create"))
    page.fill("#id_title", "Drukarka etykiet drukuje blado")
    page.fill("#id_body", "1. Wyczyść **głowicę** alkoholem.\n2. Zwiększ ciemność druku.")
    page.click("text=Preview")
    expect(page.locator("#kb-preview strong")).to_have_text("głowicę")
    page.select_option("#id_visibility", "public")
    page.select_option("#id_status", "published")
    page.click("form button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("Drukarka etykiet drukuje blado")
    article = Article.objects.get(title="Drukarka etykiet drukuje blado")
    assert article.status == "published"

    # then: the case page suggests it, and it is linked
    page.goto(case.get_absolute_url())
    suggested = page.locator(f'[data-kb-suggested="{article.pk}"]')
    expect(suggested).to_be_visible()
    suggested.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator(f'[data-kb-linked="{article.pk}"]')).to_be_visible()
    assert CaseArticle.objects.filter(case=case, article=article).exists()

    # when: a reply is opened and the article's link inserted
    page.get_by_role("link", name="Reply", exact=True).first.click()
    expect(page.locator("[data-editor-area]")).to_be_visible()
    page.locator(f'[data-kb-linked="{article.pk}"] button', has_text="Insert link").click()

    # then: the reply holds the public address
    public_url = f"{live_server.url}{article.public_url()}"
    expect(page.locator("[data-editor-area]")).to_contain_text(public_url)
    expect(page.locator("[data-composer-body]")).to_have_value(re.compile(re.escape(public_url)))

    # and an anonymous visitor reads it on the help pages, but not the internal one
    visitor = browser.new_context(base_url=live_server.url).new_page()
    visitor.goto(article.public_url())
    expect(visitor.locator("h1")).to_have_text("Drukarka etykiet drukuje blado")
    expect(visitor.locator(".kb-article-body strong")).to_have_text("głowicę")
    response = visitor.goto(internal.public_url())
    assert response is not None
    assert response.status == 404
    visitor.context.close()
