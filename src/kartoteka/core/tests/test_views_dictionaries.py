"""The administrator's dictionary pages and the htmx entry list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def industry(db: None) -> Dictionary:
    dictionary = Dictionary.objects.create(
        name="Industry", applies_to=Dictionary.AppliesTo.ACCOUNT, multiple=True
    )
    for position, label in enumerate(["Retail", "Energy"]):
        DictionaryEntry.objects.create(dictionary=dictionary, label=label, position=position)
    return dictionary


def entry(dictionary: Dictionary, label: str) -> DictionaryEntry:
    return dictionary.entries.get(label=label)


def labels(dictionary: Dictionary) -> list[str]:
    return list(dictionary.entries.order_by("position").values_list("label", flat=True))


def admin_pages(industry: Dictionary) -> list[str]:
    return [
        reverse("core:dictionary-list"),
        reverse("core:dictionary-create"),
        reverse("core:dictionary-edit", args=[industry.pk]),
        reverse("core:dictionary-delete", args=[industry.pk]),
    ]


@pytest.mark.parametrize("persona", ["agent", "manager", "outsider"])
def test_staff_who_are_not_administrators_are_forbidden(request, industry, persona) -> None:
    client = client_for(request.getfixturevalue(persona))
    statuses = [client.get(url).status_code for url in admin_pages(industry)]
    assert statuses == [403, 403, 403, 403]


def test_portal_users_do_not_find_the_pages(portal_user, industry) -> None:
    client = client_for(portal_user)
    statuses = [client.get(url).status_code for url in admin_pages(industry)]
    assert statuses == [404, 404, 404, 404]


def test_entry_actions_are_forbidden_to_managers(manager, industry) -> None:
    response = client_for(manager).post(
        reverse("core:dictionary-entry-add", args=[industry.pk]),
        {"new-label": "Mining"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert labels(industry) == ["Retail", "Energy"]


def test_administrator_opens_every_page(admin, industry) -> None:
    client = client_for(admin)
    statuses = [client.get(url).status_code for url in admin_pages(industry)]
    assert statuses == [200, 200, 200, 200]


def test_unknown_dictionary_is_not_found(admin, db) -> None:
    response = client_for(admin).get(reverse("core:dictionary-edit", args=[999]))
    assert response.status_code == 404


def test_list_groups_dictionaries_by_records_with_entry_counts(admin, industry) -> None:
    # given
    Dictionary.objects.create(name="Role", applies_to=Dictionary.AppliesTo.CONTACT)
    # when
    response = client_for(admin).get(reverse("core:dictionary-list"))
    # then
    groups = response.context["groups"]
    assert [
        (group.applies_to, [(d.name, d.entry_count) for d in group.dictionaries])
        for group in groups
    ] == [("account", [("Industry", 2)]), ("contact", [("Role", 0)]), ("event", [])]
    assert response.context["nav"] == "dictionaries"


def test_list_runs_a_fixed_number_of_queries(admin, industry, django_assert_num_queries) -> None:
    client = client_for(admin)
    for number in range(5):
        Dictionary.objects.create(name=f"Extra {number}", applies_to="event")
    # session, user, dictionaries
    with django_assert_num_queries(5):
        response = client.get(reverse("core:dictionary-list"))
    assert response.status_code == 200
    assert all(f"Extra {number}" in response.text for number in range(5))


def test_administrator_creates_a_dictionary(admin, db) -> None:
    # given
    client = client_for(admin)
    form = client.get(reverse("core:dictionary-create")).context["form"]
    # when
    response = client.post(
        reverse("core:dictionary-create"),
        {
            "name": "Segment size",
            "applies_to": "account",
            "position": "2",
            "submission_token": form.initial["submission_token"],
        },
    )
    # then
    dictionary = Dictionary.objects.get(name="Segment size")
    assert (dictionary.applies_to, dictionary.multiple, dictionary.position) == (
        "account",
        False,
        2,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("core:dictionary-edit", args=[dictionary.pk])


def test_administrator_edits_a_dictionary(admin, industry) -> None:
    response = client_for(admin).post(
        reverse("core:dictionary-edit", args=[industry.pk]),
        {"name": "Sector", "applies_to": "account", "multiple": "on", "position": "1"},
    )
    industry.refresh_from_db()
    assert (industry.name, industry.multiple, industry.position) == ("Sector", True, 1)
    assert response.headers["Location"] == reverse("core:dictionary-list")


def test_making_it_single_choice_is_refused_with_a_message(admin, industry) -> None:
    # given an account holding both values
    AccountFactory().classifications.set(industry.entries.all())
    # when the administrator unticks "multiple choice"
    response = client_for(admin).post(
        reverse("core:dictionary-edit", args=[industry.pk]),
        {"name": "Industry", "applies_to": "account", "position": "0"},
    )
    # then the form says why and nothing changed
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "multiple": [
            "Some records hold more than one value of this dictionary (accounts: 1). "
            "Leave at most one value on each before making it single choice."
        ]
    }
    industry.refresh_from_db()
    assert industry.multiple is True


def test_administrator_deletes_a_dictionary_after_confirming(admin, industry) -> None:
    # given an account holding one of its values
    AccountFactory().classifications.set([entry(industry, "Retail")])
    client = client_for(admin)
    url = reverse("core:dictionary-delete", args=[industry.pk])
    # when the confirmation page is shown, then posted
    confirmation = client.get(url)
    response = client.post(url)
    # then
    assert confirmation.context["usage"] == {"accounts": 1}
    assert response.headers["Location"] == reverse("core:dictionary-list")
    assert Dictionary.objects.filter(pk=industry.pk).exists() is False


def test_entry_add_returns_the_entry_list_partial(admin, industry) -> None:
    # when
    response = client_for(admin).post(
        reverse("core:dictionary-entry-add", args=[industry.pk]),
        {"new-label": "Mining"},
        headers=HTMX,
    )
    # then only the list is rendered, with the new value last
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="entries"')
    assert "<html" not in html
    assert "Value Mining added." in html
    assert labels(industry) == ["Retail", "Energy", "Mining"]


def test_entry_add_without_htmx_goes_back_to_the_edit_page(admin, industry) -> None:
    response = client_for(admin).post(
        reverse("core:dictionary-entry-add", args=[industry.pk]), {"new-label": "Mining"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("core:dictionary-edit", args=[industry.pk])


def test_duplicate_entry_label_is_refused_with_a_message(admin, industry) -> None:
    # when
    response = client_for(admin).post(
        reverse("core:dictionary-entry-add", args=[industry.pk]),
        {"new-label": "energy"},
        headers=HTMX,
    )
    # then
    assert response.status_code == 200
    assert response.context["add_form"].errors == {
        "label": ["Industry already has the value energy."]
    }
    assert "Industry already has the value energy." in response.content.decode()
    assert labels(industry) == ["Retail", "Energy"]


def test_entry_rename_returns_the_partial(admin, industry) -> None:
    retail = entry(industry, "Retail")
    response = client_for(admin).post(
        reverse("core:dictionary-entry-rename", args=[industry.pk, retail.pk]),
        {f"entry-{retail.pk}-label": "Retail trade"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Value renamed to Retail trade." in response.content.decode()
    assert labels(industry) == ["Retail trade", "Energy"]


def test_entry_rename_to_a_taken_label_shows_the_error_on_its_row(admin, industry) -> None:
    retail = entry(industry, "Retail")
    response = client_for(admin).post(
        reverse("core:dictionary-entry-rename", args=[industry.pk, retail.pk]),
        {f"entry-{retail.pk}-label": "Energy"},
        headers=HTMX,
    )
    rows = {row_entry.label: form for row_entry, form in response.context["rows"]}
    assert rows["Retail"].errors == {"label": ["Industry already has the value Energy."]}
    assert rows["Energy"].errors == {}
    assert labels(industry) == ["Retail", "Energy"]


def test_entry_move_down_returns_the_reordered_partial(admin, industry) -> None:
    retail = entry(industry, "Retail")
    response = client_for(admin).post(
        reverse("core:dictionary-entry-move", args=[industry.pk, retail.pk]),
        {"direction": "down"},
        headers=HTMX,
    )
    assert [row_entry.label for row_entry, _form in response.context["rows"]] == [
        "Energy",
        "Retail",
    ]
    assert labels(industry) == ["Energy", "Retail"]


def test_entry_delete_returns_the_partial(admin, industry) -> None:
    retail = entry(industry, "Retail")
    response = client_for(admin).post(
        reverse("core:dictionary-entry-delete", args=[industry.pk, retail.pk]), headers=HTMX
    )
    assert "Value Retail deleted." in response.content.decode()
    assert labels(industry) == ["Energy"]


def test_entry_of_another_dictionary_is_not_found(admin, industry) -> None:
    other = Dictionary.objects.create(name="Size", applies_to="account")
    retail = entry(industry, "Retail")
    response = client_for(admin).post(
        reverse("core:dictionary-entry-delete", args=[other.pk, retail.pk]), headers=HTMX
    )
    assert response.status_code == 404
    assert labels(industry) == ["Retail", "Energy"]


def test_create_posted_twice_creates_one_dictionary(admin, db) -> None:
    # given a form posted once
    client = client_for(admin)
    data = {"name": "Size", "applies_to": "account", "position": "0", "submission_token": "t-1"}
    first = client.post(reverse("core:dictionary-create"), data)
    # when the same form is posted again
    second = client.post(reverse("core:dictionary-create"), data)
    # then it leads to the dictionary the first post created
    assert second.headers["Location"] == first.headers["Location"]
    assert Dictionary.objects.filter(name="Size").count() == 1


def test_create_refuses_a_taken_name(admin, industry) -> None:
    data = {"name": "Industry", "applies_to": "account", "position": "0", "submission_token": "t"}
    response = client_for(admin).post(reverse("core:dictionary-create"), data)
    assert response.context["form"].errors == {
        "name": ["A dictionary named Industry already exists for Accounts."]
    }
