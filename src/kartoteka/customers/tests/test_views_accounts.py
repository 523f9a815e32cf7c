from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.customers.views.accounts import PAGE_SIZE
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
    SegmentFactory,
    valid_nip,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:account-list")
CREATE_URL = reverse("customers:account-create")


def listed_names(response) -> list[str]:
    return [account.name for account in response.context["page_obj"].object_list]


def account_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"kind": "customer", "name": "Acme sp. z o.o.", "country": "PL"}
    data.update(overrides)
    return data


def wrong_check_digit(nip: str) -> str:
    return nip[:-1] + str((int(nip[-1]) + 1) % 10)


# The list


def test_outsider_does_not_see_restricted_support_account_in_list(outsider, support_team):
    # given
    AccountFactory(name="Open Ltd")
    AccountFactory(name="Secret Ltd", restricted=True, team=support_team)

    # when
    response = client_for(outsider).get(LIST_URL)

    # then
    assert response.status_code == 200
    assert listed_names(response) == ["Open Ltd"]
    assert "Secret Ltd" not in response.text


def test_support_agent_sees_restricted_support_account_in_list(agent, support_team):
    # given
    AccountFactory(name="Open Ltd")
    AccountFactory(name="Secret Ltd", restricted=True, team=support_team)

    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert listed_names(response) == ["Open Ltd", "Secret Ltd"]


def test_search_finds_account_by_formatted_nip(agent):
    # given
    AccountFactory(name="Alpha", nip="5260250274")
    AccountFactory(name="Beta", nip=valid_nip(99))

    # when
    response = client_for(agent).get(LIST_URL, {"q": "526-025-02-74"})

    # then
    assert listed_names(response) == ["Alpha"]


@pytest.mark.parametrize("text", ["ŁÓDŹ", "lodz", "Łódź"])
def test_search_ignores_letter_case_and_polish_accents(agent, text):
    # given
    AccountFactory(name="Alpha", city="łódź")
    AccountFactory(name="Beta", city="Gdańsk")

    # when
    response = client_for(agent).get(LIST_URL, {"q": text})

    # then
    assert listed_names(response) == ["Alpha"]


def test_a_long_accented_search_answers_at_once(agent):
    # given
    AccountFactory(name="Alpha", city="Łódź")

    # when: "ą" a thousand times, whose upper/lower spellings would number 2**1000
    response = client_for(agent).get(LIST_URL, {"q": "ą" * 1000})

    # then
    assert response.status_code == 200
    assert listed_names(response) == []


def test_search_finds_account_by_contact_email(agent):
    # given
    alpha = AccountFactory(name="Alpha")
    AccountFactory(name="Beta")
    EmailAddressFactory(contact=ContactFactory(account=alpha), address="jan@alpha.example")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "jan@alpha"})

    # then
    assert listed_names(response) == ["Alpha"]


def test_search_finds_account_by_contact_phone(agent):
    # given
    alpha = AccountFactory(name="Alpha")
    AccountFactory(name="Beta")
    PhoneNumberFactory(contact=ContactFactory(account=alpha), number="+48601234567")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "601 234 567"})

    # then
    assert listed_names(response) == ["Alpha"]


def test_filter_by_segment_and_sort_by_city_descending(agent):
    # given
    key = SegmentFactory(name="Key accounts")
    AccountFactory(name="Alpha", city="Gdańsk").segments.add(key)
    AccountFactory(name="Beta", city="Warszawa").segments.add(key)
    AccountFactory(name="Gamma", city="Kraków")

    # when
    response = client_for(agent).get(LIST_URL, {"segment": key.pk, "ordering": "-city"})

    # then
    assert listed_names(response) == ["Beta", "Alpha"]


def test_filter_by_classification_offers_entries_grouped_by_dictionary(agent):
    # given
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    it = DictionaryEntry.objects.create(dictionary=industry, label="IT")
    AccountFactory(name="Alpha").classifications.add(it)
    AccountFactory(name="Beta")

    # when
    response = client_for(agent).get(LIST_URL, {"classification": it.pk})

    # then
    assert listed_names(response) == ["Alpha"]
    assert f'<optgroup label="Industry">\n  <option value="{it.pk}" selected>IT</option>' in (
        response.text
    )


def test_list_pages_by_25(agent):
    # given
    AccountFactory.create_batch(30)

    # when
    response = client_for(agent).get(LIST_URL, {"page": 2})

    # then
    assert len(listed_names(response)) == 5
    assert "Page 2 of 2" in response.text


def test_htmx_request_gets_only_the_results_partial(agent):
    # given
    AccountFactory(name="Alpha")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "Alp"}, headers={"HX-Request": "true"})

    # then
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert "Alpha" in response.text
    assert "HX-Request" in response["Vary"].split(", ")


def test_htmx_history_restore_gets_the_whole_page(agent):
    # given
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    # when
    response = client_for(agent).get(LIST_URL, headers=headers)

    # then
    assert "<html" in response.text


def test_empty_list_says_how_to_add_a_customer(agent):
    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert f'No customers yet — <a href="{CREATE_URL}">add one</a>.' in response.text


def test_empty_search_offers_to_clear_the_filters(agent):
    # given
    AccountFactory(name="Alpha")

    # when
    response = client_for(agent).get(LIST_URL, {"q": "Omega"})

    # then
    assert f'No customers match these filters — <a href="{LIST_URL}">clear them</a>.' in (
        response.text
    )


def _populate_accounts(count: int, agent) -> None:
    segment = SegmentFactory(name="Key accounts")
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    entry = DictionaryEntry.objects.create(dictionary=industry, label="IT")
    for account in AccountFactory.create_batch(count, manager=agent):
        account.segments.add(segment)
        account.classifications.add(entry)


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(agent, rows, django_assert_num_queries):
    # given
    _populate_accounts(rows, agent)
    client = client_for(agent)

    # when / then: session, user, count, page, segments, classifications, their
    # dictionaries, and the segment and classification choices of the filters (the manager
    # is a picker: nothing to read when none is chosen)
    with django_assert_num_queries(11):
        response = client.get(LIST_URL)
    # and every row of the page shows its segment
    assert response.status_code == 200
    assert response.text.count('<span class="pill">Key accounts</span>') == min(rows, PAGE_SIZE)


@pytest.mark.parametrize("rows", [5, 30])
def test_htmx_list_query_count_does_not_grow_with_rows(agent, rows, django_assert_num_queries):
    # given
    _populate_accounts(rows, agent)
    client = client_for(agent)

    # when / then: as the page, without rendering the filter form
    with django_assert_num_queries(8):
        response = client.get(LIST_URL, headers={"HX-Request": "true"})
    # and what came back is the results fragment with a page of rows, not the page
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert response.text.count('<span class="pill">Key accounts</span>') == min(rows, PAGE_SIZE)


# Access


def test_anonymous_user_is_sent_to_login(client):
    # when
    response = client.get(LIST_URL)

    # then
    assert response.status_code == 302
    assert response.url == f"/login/?next={LIST_URL}"


@pytest.mark.parametrize("name", ["account-detail", "account-edit", "account-delete"])
def test_outsider_gets_404_on_restricted_support_account(outsider, support_team, name):
    # given
    secret = AccountFactory(restricted=True, team=support_team)

    # when
    response = client_for(outsider).get(reverse(f"customers:{name}", args=[secret.pk]))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [("account-list", False), ("account-create", False), ("account-detail", True)],
)
def test_portal_user_gets_404_on_staff_pages(portal_user, name, with_pk):
    # given
    account = AccountFactory()

    # when
    url = reverse(f"customers:{name}", args=[account.pk] if with_pk else [])
    response = client_for(portal_user).get(url)

    # then
    assert response.status_code == 404


# The customer file


def test_detail_shows_contacts_with_formatted_phones_and_classifications(agent):
    # given
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    account = AccountFactory(name="Alpha", nip="5260250274", manager=agent)
    account.classifications.add(DictionaryEntry.objects.create(dictionary=industry, label="IT"))
    EmailAddress.objects.create(account=account, address="biuro@alpha.example")
    jan = ContactFactory(account=account, first_name="Jan", last_name="Kowalski")
    PhoneNumberFactory(contact=jan, number="+48601234567")

    # when
    response = client_for(agent).get(account.get_absolute_url() + "?tab=contacts")

    # then
    assert response.status_code == 200
    assert '<dt>Industry</dt><dd><span class="pill">IT</span></dd>' in response.text
    assert '<a href="tel:+48601234567">601 234 567</a>' in response.text
    assert "biuro@alpha.example" in response.text
    assert f"{reverse('customers:contact-create')}?account={account.pk}" in response.text
    assert reverse("customers:account-delete", args=[account.pk]) in response.text


def test_detail_hides_delete_from_plain_agent(agent):
    # given
    account = AccountFactory()

    # when
    response = client_for(agent).get(account.get_absolute_url())

    # then
    assert reverse("customers:account-delete", args=[account.pk]) not in response.text


def test_detail_query_count_does_not_grow_with_contacts(agent, django_assert_num_queries):
    # given
    account = AccountFactory(manager=agent)
    account.segments.add(SegmentFactory())
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    account.classifications.add(DictionaryEntry.objects.create(dictionary=industry, label="IT"))
    contacts = ContactFactory.create_batch(10, account=account)
    for contact in contacts:
        EmailAddressFactory(contact=contact)
        PhoneNumberFactory(contact=contact)
    client = client_for(agent)

    # when / then: session, user, account, segments, classifications, their dictionaries,
    # shared emails, contacts, their emails and phones, and the header's five key figures
    # (open cases, last contact, documents, the next planned task, open threads)
    with django_assert_num_queries(17):
        response = client.get(account.get_absolute_url() + "?tab=contacts")
    # and the file shows its classification and all ten contacts
    assert response.status_code == 200
    assert "IT" in response.text
    assert all(contact.emails.get().address in response.text for contact in contacts)


# Create and edit


def test_create_saves_the_account_and_redirects_to_it(agent):
    # given
    segment = SegmentFactory(name="Key accounts")
    industry = Dictionary.objects.create(name="Industry", applies_to="account")
    it = DictionaryEntry.objects.create(dictionary=industry, label="IT")
    data = account_post(
        nip="PL 526-025-02-74",
        city="Warszawa",
        phone="22 123 45 67",
        segments=[segment.pk],
        manager=agent.pk,
        shared_emails="Biuro@Acme.example\nfaktury@acme.example, biuro@acme.example",
        **{f"dictionary_{industry.pk}": it.pk},
    )

    # when
    response = client_for(agent).post(CREATE_URL, data)

    # then
    account = Account.objects.get()
    assert response.status_code == 302
    assert response.url == account.get_absolute_url()
    assert (account.name, account.nip, account.phone, account.manager) == (
        "Acme sp. z o.o.",
        "5260250274",
        "+48221234567",
        agent,
    )
    assert list(account.segments.all()) == [segment]
    assert list(account.classifications.all()) == [it]
    assert [e.address for e in account.shared_emails.all()] == [
        "biuro@acme.example",
        "faktury@acme.example",
    ]
    assert account.created_by == agent


def test_create_confirms_with_a_toast(agent):
    # when
    response = client_for(agent).post(CREATE_URL, account_post(), follow=True)

    # then
    assert [str(m) for m in response.context["messages"]] == ["Customer Acme sp. z o.o. added."]


def test_create_with_invalid_nip_says_why_and_saves_nothing(agent):
    # given
    nip = wrong_check_digit("5260250274")

    # when
    response = client_for(agent).post(CREATE_URL, account_post(nip=nip))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["nip"] == [
        f"NIP {nip} has a wrong check digit; check it for a typo."
    ]
    assert Account.objects.count() == 0


def test_create_with_duplicate_nip_warns_with_a_link_and_saves_nothing(agent):
    # given
    holder = AccountFactory(name="Holder SA", nip="5260250274")

    # when
    response = client_for(agent).post(CREATE_URL, account_post(nip="526-025-02-74"))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["nip"] == [
        "NIP 5260250274 is already used by Holder SA."
    ]
    assert response.context["duplicates"].visible == [holder]
    assert f'<a href="{holder.get_absolute_url()}">Holder SA</a>' in response.text
    assert 'name="confirm_duplicate"' in response.text
    assert 'name="duplicate_key" value="5260250274/"' in response.text
    assert Account.objects.count() == 1


def test_create_with_duplicate_nip_saves_after_save_anyway(agent):
    # given
    holder = AccountFactory(name="Holder SA", nip="5260250274")

    # when
    response = client_for(agent).post(
        CREATE_URL,
        account_post(
            name="Holder SA oddział",
            nip="526-025-02-74",
            confirm_duplicate="on",
            duplicate_key="5260250274/",
        ),
    )

    # then
    branch = Account.objects.exclude(pk=holder.pk).get()
    assert response.status_code == 302
    assert (branch.name, branch.nip) == ("Holder SA oddział", "5260250274")


def test_save_anyway_does_not_cover_a_nip_changed_after_the_warning(agent):
    # given: the user was warned about one NIP, then typed another one in use
    AccountFactory(name="Holder SA", nip="5260250274")
    other = AccountFactory(name="Other SA", nip=valid_nip(7))

    # when
    response = client_for(agent).post(
        CREATE_URL,
        account_post(nip=other.nip, confirm_duplicate="on", duplicate_key="5260250274/"),
    )

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["nip"] == [
        f"NIP {other.nip} is already used by Other SA."
    ]
    assert response.context["duplicates"].visible == [other]
    assert f'name="duplicate_key" value="{other.nip}/"' in response.text
    assert Account.objects.count() == 2


def test_create_with_nip_of_hidden_account_does_not_name_it(outsider, support_team):
    # given
    hidden = AccountFactory(name="Secret SA", nip="5260250274", restricted=True, team=support_team)

    # when
    response = client_for(outsider).post(CREATE_URL, account_post(nip="5260250274"))

    # then
    assert response.context["form"].errors["nip"] == [
        "NIP 5260250274 is already used by an account you cannot see."
    ]
    assert (response.context["duplicates"].visible, response.context["duplicates"].hidden) == (
        [],
        1,
    )
    assert "Secret SA" not in response.text
    assert hidden.get_absolute_url() not in response.text
    assert "1 account you cannot see" in response.text


def test_edit_to_a_nip_in_use_warns_and_keeps_the_old_one(agent):
    # given
    holder = AccountFactory(name="Holder SA", nip="5260250274")
    account = AccountFactory(name="Acme", nip="")
    url = reverse("customers:account-edit", args=[account.pk])

    # when
    warned = client_for(agent).post(url, account_post(name="Acme", nip=holder.nip))
    account.refresh_from_db()
    nip_after_warning = account.nip
    saved = client_for(agent).post(
        url,
        account_post(
            name="Acme", nip=holder.nip, confirm_duplicate="on", duplicate_key=f"{holder.nip}/"
        ),
    )

    # then
    assert warned.status_code == 400
    assert warned.context["duplicates"].visible == [holder]
    assert nip_after_warning == ""
    assert saved.status_code == 302
    account.refresh_from_db()
    assert account.nip == holder.nip


def test_create_with_shared_email_of_a_contact_names_the_owner(agent):
    # given
    jan = ContactFactory(first_name="Jan", last_name="Kowalski")
    EmailAddressFactory(contact=jan, address="jan@holder.example")

    # when
    response = client_for(agent).post(CREATE_URL, account_post(shared_emails="jan@holder.example"))

    # then
    assert response.status_code == 400
    assert "jan@holder.example already belongs to Jan Kowalski." in response.text
    assert Account.objects.filter(name="Acme sp. z o.o.").exists() is False


def test_create_with_invalid_shared_email_marks_the_field(agent):
    # when
    response = client_for(agent).post(CREATE_URL, account_post(shared_emails="biuro@"))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["shared_emails"] == ["“biuro@” is not an email address."]


def test_create_without_name_keeps_the_form(agent):
    # when
    response = client_for(agent).post(CREATE_URL, account_post(name=""))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["This field is required."]


def test_create_form_offers_only_active_staff_as_managers(agent, portal_user):
    # when
    response = client_for(agent).get(CREATE_URL)

    # then
    managers = list(response.context["form"].fields["manager"].queryset)
    assert portal_user not in managers
    assert agent in managers


def test_edit_changes_the_account(agent):
    # given
    account = AccountFactory(name="Old name", city="Kraków")
    EmailAddress.objects.create(account=account, address="old@acme.example")

    # when
    response = client_for(agent).post(
        reverse("customers:account-edit", args=[account.pk]),
        account_post(name="New name", city="Łódź", nip=account.nip, regon=account.regon),
    )

    # then
    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.name, account.city, account.updated_by) == ("New name", "Łódź", agent)
    assert list(account.shared_emails.all()) == []


def test_edit_form_shows_current_values(agent):
    # given
    account = AccountFactory(name="Alpha")
    EmailAddress.objects.create(account=account, address="biuro@alpha.example")

    # when
    response = client_for(agent).get(reverse("customers:account-edit", args=[account.pk]))

    # then
    form = response.context["form"]
    assert (form["name"].value(), form["shared_emails"].value()) == (
        "Alpha",
        "biuro@alpha.example",
    )


# Delete


def test_delete_page_says_how_many_contacts_go_with_it(manager):
    # given
    account = AccountFactory(name="Alpha")
    ContactFactory.create_batch(2, account=account)

    # when
    response = client_for(manager).get(reverse("customers:account-delete", args=[account.pk]))

    # then
    assert response.status_code == 200
    assert "Its 2 contacts, with their email addresses and phone numbers, go with it." in (
        response.text
    )


def test_manager_deletes_account_with_its_contacts(manager):
    # given
    account = AccountFactory(name="Alpha")
    ContactFactory(account=account)

    # when
    response = client_for(manager).post(reverse("customers:account-delete", args=[account.pk]))

    # then
    assert response.status_code == 302
    assert response.url == LIST_URL
    assert Account.objects.count() == 0
    assert Contact.objects.count() == 0


def test_account_manager_deletes_own_account(agent):
    # given
    account = AccountFactory(manager=agent)

    # when
    response = client_for(agent).post(reverse("customers:account-delete", args=[account.pk]))

    # then
    assert response.status_code == 302
    assert Account.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_plain_agent_may_not_delete_account(agent, method):
    # given
    account = AccountFactory()

    # when
    url = reverse("customers:account-delete", args=[account.pk])
    response = getattr(client_for(agent), method)(url)

    # then
    assert response.status_code == 403
    assert Account.objects.count() == 1


def test_the_same_create_form_posted_twice_adds_one_customer(agent):
    # given the form as the browser received it, with its one-time token
    client = client_for(agent)
    page = client.get(reverse("customers:account-create"))
    token = page.context["form"].initial["submission_token"]
    data = account_post(name="Dwuklik Sp. z o.o.", submission_token=token)
    # when the user clicks "Save" twice
    first = client.post(reverse("customers:account-create"), data)
    second = client.post(reverse("customers:account-create"), data, follow=True)
    # then
    account = Account.objects.get(name="Dwuklik Sp. z o.o.")
    assert Account.objects.count() == 1
    assert first.headers["Location"] == second.redirect_chain[0][0] == account.get_absolute_url()
    assert "This form was already sent; nothing was added twice." in second.content.decode()


# Restricting


def test_edit_form_does_not_let_a_plain_agent_change_the_restriction(agent, support_team):
    # given
    account = AccountFactory(restricted=True, team=support_team)

    # when
    response = client_for(agent).get(reverse("customers:account-edit", args=[account.pk]))

    # then
    field = response.context["form"]["restricted"]
    assert (field.field.disabled, field.value()) == (True, True)
    assert field.help_text == (
        "Only managers, administrators and the account manager may change this."
    )


def test_forged_edit_by_a_plain_agent_keeps_the_restriction(agent, support_team):
    # given the checkbox left out of the POST, as if unticked (the team posted as shown)
    account = AccountFactory(restricted=True, team=support_team, city="Kraków")

    # when
    response = client_for(agent).post(
        reverse("customers:account-edit", args=[account.pk]),
        account_post(
            name=account.name,
            nip=account.nip,
            regon=account.regon,
            city="Łódź",
            team=support_team.pk,
        ),
    )

    # then
    account.refresh_from_db()
    assert response.status_code == 302
    assert (account.restricted, account.city) == (True, "Łódź")


def test_account_manager_lifts_the_restriction_in_the_edit_form(agent, support_team):
    # given
    account = AccountFactory(restricted=True, team=support_team, manager=agent)

    # when
    url = reverse("customers:account-edit", args=[account.pk])
    offered = client_for(agent).get(url).context["form"]["restricted"].field.disabled
    response = client_for(agent).post(
        url, account_post(name=account.name, nip=account.nip, regon=account.regon, manager=agent.pk)
    )

    # then
    account.refresh_from_db()
    assert (offered, response.status_code, account.restricted) == (False, 302, False)


def test_manager_restricts_an_account_in_the_edit_form(manager, support_team):
    # given
    account = AccountFactory(restricted=False, team=support_team)

    # when
    response = client_for(manager).post(
        reverse("customers:account-edit", args=[account.pk]),
        account_post(
            name=account.name,
            nip=account.nip,
            regon=account.regon,
            team=support_team.pk,
            restricted="on",
        ),
    )

    # then
    account.refresh_from_db()
    assert (response.status_code, account.restricted) == (302, True)


def test_create_restricted_for_another_manager_says_why_on_the_checkbox(agent, manager):
    # when
    response = client_for(agent).post(CREATE_URL, account_post(restricted="on", manager=manager.pk))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["restricted"] == [
        "Only managers, administrators and the account manager may restrict an account or lift "
        "its restriction."
    ]
    assert Account.objects.count() == 0


def test_outsider_gets_404_when_posting_to_a_restricted_accounts_edit(outsider, support_team):
    # given
    account = AccountFactory(restricted=True, team=support_team)

    # when
    response = client_for(outsider).post(
        reverse("customers:account-edit", args=[account.pk]),
        account_post(name=account.name, nip=account.nip, regon=account.regon),
    )

    # then
    account.refresh_from_db()
    assert (response.status_code, account.restricted) == (404, True)
