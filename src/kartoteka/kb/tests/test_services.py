"""Writes: versions, restore, the right to publish, slugs, links, suggestion openings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kartoteka.kb import services
from kartoteka.kb.models import Article, CaseArticle, SuggestionOpening
from kartoteka.testing.cases import make_case
from kartoteka.testing.kb import make_article

pytestmark = pytest.mark.django_db


def test_create_writes_the_first_version(admin):
    article = make_article("Reset hasła", "Kliknij „Nie pamiętam hasła”.")
    assert article.version == 1
    version = article.versions.get()
    assert (version.number, version.title, version.author) == (1, "Reset hasła", admin)
    assert article.slug == "reset-hasla"
    assert article.published_at is not None


def test_same_title_gets_a_numbered_slug(admin):
    make_article("Reset hasła")
    assert make_article("Reset hasła").slug == "reset-hasla-2"


def test_every_change_of_title_or_text_writes_a_version(admin, agent):
    article = make_article("Reset hasła", "v1")
    services.article_update(article=article, by=agent, body="v2", note="krok 2")
    services.article_update(article=article, by=agent, tags="hasło")  # no text change
    article.refresh_from_db()
    assert article.version == 2
    assert list(article.versions.values_list("number", "body", "note")) == [
        (2, "v2", "krok 2"),
        (1, "v1", ""),
    ]


def test_restore_makes_an_old_version_current_as_a_new_one(admin):
    article = make_article("Tytuł A", "tekst A")
    services.article_update(article=article, by=admin, title="Tytuł B", body="tekst B")
    first = article.versions.get(number=1)
    restored = services.article_restore(article=article, version=first, by=admin)
    assert (restored.title, restored.body, restored.version) == ("Tytuł A", "tekst A", 3)
    assert restored.versions.get(number=3).note == "Restored version 1"


def test_restore_refuses_a_version_of_another_article(admin):
    one, other = make_article("Jeden"), make_article("Drugi")
    with pytest.raises(ValidationError):
        services.article_restore(article=one, version=other.versions.get(), by=admin)


def test_agents_write_drafts_but_only_configurators_publish(agent, admin):
    draft = services.article_create(by=agent, title="Szkic", body="…")
    assert draft.status == Article.Status.DRAFT
    with pytest.raises(PermissionDenied):
        services.article_create(by=agent, title="Od razu", status="published")
    with pytest.raises(PermissionDenied):
        services.article_update(article=draft, by=agent, status="published")
    services.article_update(article=draft, by=agent, body="poprawka")  # editing is fine
    published = services.article_update(article=draft, by=admin, status="published")
    assert published.status == "published"
    # an agent may still correct a published article's text
    services.article_update(article=published, by=agent, body="literówka")
    with pytest.raises(PermissionDenied):
        services.article_delete(article=published, by=agent)


def test_title_is_required_and_bounded(admin):
    with pytest.raises(ValidationError) as error:
        services.article_create(by=admin, title="  ")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.article_create(by=admin, title="x" * 201)
    with pytest.raises(ValidationError):
        services.article_create(by=admin, title="ok", body="x" * 100_001)


def test_linking_twice_keeps_one_link(admin, agent):
    case = make_case()
    article = make_article()
    _link, created = services.case_article_link(case=case, article=article, by=agent)
    _again, created_again = services.case_article_link(case=case, article=article, by=agent)
    assert (created, created_again) == (True, False)
    assert CaseArticle.objects.filter(case=case).count() == 1
    assert services.case_article_unlink(case=case, article=article, by=agent) is True
    assert services.case_article_unlink(case=case, article=article, by=agent) is False


def test_openings_of_a_draft_that_became_a_case_are_marked(portal_user, admin):
    article = make_article(visibility="portal")
    services.suggestion_opening_record(article=article, draft="d1", user=portal_user)
    services.suggestion_opening_record(article=article, draft="d1", user=portal_user)
    services.suggestion_opening_record(article=article, draft="d2", user=portal_user)
    services.suggestion_opening_record(article=article, draft="d1", user=admin)  # another's
    case = make_case(by=portal_user)
    assert services.suggestion_openings_case_created(draft="d1", case=case) == 2
    assert services.suggestion_openings_case_created(draft="", case=case) == 0
    assert SuggestionOpening.objects.filter(case=case).count() == 2
    from kartoteka.kb.selectors import article_stats

    stats = article_stats(article)
    assert (stats.openings, stats.deflections) == (4, 2)  # d2 of the portal user, d1 of admin
