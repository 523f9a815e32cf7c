"""The merge pages: pick the other account, compare side by side, confirm."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.cases.models import Case
from kartoteka.customers.models import Account
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def pick_url(pk: object) -> str:
    return f"/customers/{pk}/merge/"


def confirm_url(pk: object, other: object) -> str:
    return f"/customers/{pk}/merge/{other}/"


@pytest.fixture
def pair(db: None) -> tuple[Account, Account]:
    kept = AccountFactory(name="Drukpol", nip="5260250274", regon="010732630", city="Łódź")
    merged = AccountFactory(name="DRUKPOL Łódź", nip="5260250274", regon="", city="Łódź")
    return kept, merged


def test_the_account_page_offers_the_merge(agent, pair) -> None:
    # given
    kept, _merged = pair
    # when
    response = client_for(agent).get(kept.get_absolute_url())
    # then
    assert f'href="{reverse("customers:account-merge", args=[kept.pk])}"' in response.text
    assert "Merge with another account" in response.text


def test_the_pick_page_suggests_accounts_sharing_the_nip_or_regon(agent, pair) -> None:
    # given
    kept, merged = pair
    AccountFactory(name="Inna firma")
    # when
    response = client_for(agent).get(pick_url(kept.pk))
    # then
    assert response.status_code == 200
    assert response.context["candidates"] == [merged]
    assert f'href="{confirm_url(kept.pk, merged.pk)}"' in response.text


def test_the_pick_page_finds_by_name_but_never_a_hidden_account(outsider, support_team) -> None:
    # given
    kept = AccountFactory(name="Drukpol")
    visible = AccountFactory(name="Drukpol Kraków")
    AccountFactory(name="Drukpol Tajny", restricted=True, team=support_team)
    # when
    response = client_for(outsider).get(pick_url(kept.pk), {"q": "drukpol"})
    # then
    assert response.context["candidates"] == [visible]
    assert "Drukpol Tajny" not in response.text


def test_the_comparison_marks_the_differing_fields_and_preselects_the_defaults(agent, pair) -> None:
    # given
    kept, merged = pair
    # when
    response = client_for(agent).get(confirm_url(kept.pk, merged.pk))
    # then
    assert response.status_code == 200
    rows = {row.compared.group: row for row in response.context["rows"]}
    assert (rows["name"].compared.differs, rows["nip"].compared.differs) == (True, False)
    assert rows["nip"].choice is None
    assert rows["name"].choice.value() == "kept"
    assert response.context["form"].fields["name"].initial == "kept"
    assert response.context["form"].fields["regon"].initial == "kept"
    assert '<tr class="differs">' in response.text
    assert 'name="name" value="kept"' in response.text


def test_merging_moves_the_rows_and_shows_the_kept_account(agent, pair) -> None:
    # given
    kept, merged = pair
    contact = ContactFactory(account=merged)
    case = make_case(by=agent, account=merged, contacts=(contact,))
    # when
    response = client_for(agent).post(
        confirm_url(kept.pk, merged.pk), {"name": "merged", "regon": "kept"}, follow=True
    )
    # then
    assert response.redirect_chain == [(kept.get_absolute_url(), 302)]
    kept.refresh_from_db()
    assert (kept.name, kept.regon) == ("DRUKPOL Łódź", "010732630")
    assert Case.objects.get(pk=case.pk).account_id == kept.pk
    assert Account.objects.filter(pk=merged.pk).exists() is False
    assert [str(m) for m in response.context["messages"]] == [
        "DRUKPOL Łódź merged into DRUKPOL Łódź."
    ]


def test_a_bad_choice_is_named_and_nothing_is_merged(agent, pair) -> None:
    # given
    kept, merged = pair
    # when
    response = client_for(agent).post(confirm_url(kept.pk, merged.pk), {"name": "both"})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Select a valid choice. both is not one of the available choices."
    ]
    assert Account.objects.filter(pk=merged.pk).exists() is True


def test_a_refused_merge_says_why_on_the_page(agent, support_team) -> None:
    # given
    kept = AccountFactory(name="Jawny")
    hidden_from_others = AccountFactory(name="Tajny", restricted=True, team=support_team)
    # when
    response = client_for(agent).post(confirm_url(kept.pk, hidden_from_others.pk), {})
    # then
    assert response.status_code == 400
    assert "only managers, administrators and its account manager may merge it" in response.text
    assert Account.objects.filter(pk=hidden_from_others.pk).exists() is True


def test_merging_an_account_with_itself_goes_back_to_the_choice(agent, pair) -> None:
    # given
    kept, _merged = pair
    # when
    response = client_for(agent).post(confirm_url(kept.pk, kept.pk), {}, follow=True)
    # then
    assert response.redirect_chain == [(pick_url(kept.pk), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "An account cannot be merged with itself; choose another."
    ]
    assert Account.objects.filter(pk=kept.pk).exists() is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_account_the_user_cannot_see_is_404_on_either_side(
    outsider, support_team, method
) -> None:
    # given
    visible = AccountFactory(name="Jawny")
    hidden = AccountFactory(name="Tajny", restricted=True, team=support_team)
    client = client_for(outsider)
    # when
    responses = [
        getattr(client, method)(confirm_url(visible.pk, hidden.pk)),
        getattr(client, method)(confirm_url(hidden.pk, visible.pk)),
        client.get(pick_url(hidden.pk)),
    ]
    # then
    assert [response.status_code for response in responses] == [404, 404, 404]
    assert Account.objects.count() == 2


def test_a_missing_or_non_numeric_id_is_404(agent, pair) -> None:
    # given
    kept, _merged = pair
    client = client_for(agent)
    # when
    responses = [
        client.post(confirm_url(kept.pk, 999_999), {}),
        client.post(confirm_url(kept.pk, "abc"), {}),
        client.get(pick_url("1;DROP")),
    ]
    # then
    assert [response.status_code for response in responses] == [404, 404, 404]


def test_the_merge_needs_a_csrf_token(agent, pair) -> None:
    # given
    kept, merged = pair
    client = client_for(agent)
    client.handler.enforce_csrf_checks = True
    # when
    response = client.post(confirm_url(kept.pk, merged.pk), {"name": "merged"})
    # then
    assert response.status_code == 403
    assert Account.objects.filter(pk=merged.pk).exists() is True


def test_a_portal_user_cannot_reach_the_merge(portal_user, pair) -> None:
    # given
    kept, merged = pair
    # when
    response = client_for(portal_user).post(confirm_url(kept.pk, merged.pk), {})
    # then
    assert response.status_code in (302, 403, 404)
    assert Account.objects.filter(pk=merged.pk).exists() is True


def test_the_comparison_counts_only_what_the_user_may_see(agent, outsider, pair) -> None:
    # given: a confidential document of the merged account, naming nobody but its author
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kartoteka.documents.models import DocumentType
    from kartoteka.documents.services import document_create

    kept, merged = pair
    ContactFactory(account=merged)
    document_create(
        by=agent,
        account=merged,
        document_type=DocumentType.objects.get(name="Offer"),
        title="Tajna oferta",
        files=[SimpleUploadedFile("oferta.txt", b"Tylko dla zarzadu")],
        confidential=True,
    )
    # when
    author = client_for(agent).get(confirm_url(kept.pk, merged.pk))
    other = client_for(outsider).get(confirm_url(kept.pk, merged.pk))
    # then
    assert author.context["moves"] == [("contacts", 1), ("documents", 1)]
    assert other.context["moves"] == [("contacts", 1)]
    assert "Tajna oferta" not in other.text
