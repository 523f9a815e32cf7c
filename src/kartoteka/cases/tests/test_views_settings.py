"""The case settings pages: the prefix and message statuses, and the lookup lists."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from kartoteka.cases import lookups
from kartoteka.cases.models import Case, CaseSettings, Priority, Status
from kartoteka.cases.services import case_create, case_settings
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def configurator(support_team) -> User:
    """An agent whom the administrator allowed to configure the case lists."""
    return UserFactory(
        username="configurator", role=User.Role.AGENT, team=support_team, can_configure_cases=True
    )


@pytest.fixture
def priorities() -> dict[str, Priority]:
    """Low, Normal (the default) and High in that order, instead of the installation's list."""
    Priority.objects.all().delete()
    return {
        name: lookups.lookup_create(model=Priority, name=name, is_default=name == "Normal")
        for name in ("Low", "Normal", "High")
    }


def settings_pages() -> list[str]:
    status = Status.objects.order_by("pk").first()
    return [
        reverse("cases:case-settings"),
        *(reverse("cases:lookup-list", args=[kind]) for kind in lookups.LOOKUP_KINDS),
        reverse("cases:lookup-create", args=["statuses"]),
        reverse("cases:lookup-edit", args=["statuses", status.pk]),
        reverse("cases:lookup-delete", args=["statuses", status.pk]),
    ]


def toasts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Who may open the pages.


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("configurator", 200), ("manager", 403), ("agent", 403), ("clerk", 403)],
)
def test_only_case_configurators_open_the_settings(db, request, persona, status) -> None:
    # given
    client = client_for(request.getfixturevalue(persona))
    # when
    statuses = [client.get(url).status_code for url in settings_pages()]
    # then
    assert statuses == [status] * 9


def test_portal_users_do_not_find_the_settings(portal_user) -> None:
    client = client_for(portal_user)
    assert [client.get(url).status_code for url in settings_pages()] == [404] * 9


def test_anonymous_users_are_sent_to_sign_in(db) -> None:
    # when
    response = Client().get(reverse("cases:lookup-list", args=["priorities"]))
    # then
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"{reverse('login')}?next={reverse('cases:lookup-list', args=['priorities'])}"
    )


def test_posts_of_a_manager_change_nothing(manager, priorities) -> None:
    # when
    response = client_for(manager).post(
        reverse("cases:lookup-list", args=["priorities"]),
        {"value": priorities["High"].pk, "action": "default"},
    )
    # then
    assert response.status_code == 403
    assert Priority.objects.get(is_default=True).name == "Normal"


def test_an_unknown_list_or_value_is_not_found(admin) -> None:
    client = client_for(admin)
    statuses = [
        client.get(reverse("cases:lookup-list", args=["colours"])).status_code,
        client.get(reverse("cases:lookup-edit", args=["statuses", 999999])).status_code,
        client.get(reverse("cases:lookup-delete", args=["types", 999999])).status_code,
    ]
    assert statuses == [404, 404, 404]


# The lists.


def test_the_list_shows_values_in_order_with_their_case_counts(admin, priorities) -> None:
    # given
    case_create(by=admin, subject="Printer on fire", data={"priority": priorities["High"]})
    # when
    response = client_for(admin).get(reverse("cases:lookup-list", args=["priorities"]))
    # then
    rows = [(v.name, v.is_default, v.case_count) for v in response.context["values"]]
    assert rows == [("Low", False, 0), ("Normal", True, 0), ("High", False, 1)]
    assert response.context["nav"] == "case-settings"


def test_lookup_list_query_count_does_not_grow_with_values(
    admin, django_assert_num_queries
) -> None:
    # given many statuses, each used by a case
    client = client_for(admin)
    for number in range(15):
        status = lookups.lookup_create(model=Status, name=f"Stage {number}")
        case_create(by=admin, subject=f"Case {number}", data={"status": status})
    # then: session, user, statuses with case counts, the case settings
    with django_assert_num_queries(6):
        response = client.get(reverse("cases:lookup-list", args=["statuses"]))
    assert len(response.context["values"]) == Status.objects.count()


def test_making_a_value_the_default_answers_htmx_with_the_table(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-list", args=["priorities"]),
        {"value": priorities["High"].pk, "action": "default"},
        headers={"HX-Request": "true"},
    )
    # then
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="lookup-table"')
    assert response.context["status"] == "High is now the default."
    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == ["High"]


def test_moving_a_value_without_htmx_goes_back_to_the_list(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-list", args=["priorities"]),
        {"value": priorities["Low"].pk, "action": "down"},
    )
    # then
    assert response.headers["Location"] == reverse("cases:lookup-list", args=["priorities"])
    assert toasts(response) == ["Low moved."]
    assert list(Priority.objects.order_by("position").values_list("name", flat=True)) == [
        "Normal",
        "Low",
        "High",
    ]


def test_a_row_button_of_a_deleted_value_shows_the_list_as_it_is(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-list", args=["priorities"]),
        {"value": 999999, "action": "up"},
        headers={"HX-Request": "true"},
    )
    # then
    assert response.status_code == 200
    assert response.context["status"] == (
        "That value is no longer in the list; here is the list as it is now."
    )


# Adding and editing.


def status_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Escalated",
        "overdue_after_days": "3",
        "notify_account_manager": "on",
        "notify_addresses": "szef@firma.pl,dyzur@firma.pl",
        "submission_token": "token-1",
    } | changes


def test_configurator_adds_a_status_with_whom_to_tell(configurator) -> None:
    # when
    response = client_for(configurator).post(
        reverse("cases:lookup-create", args=["statuses"]), status_form()
    )
    # then
    assert response.headers["Location"] == reverse("cases:lookup-list", args=["statuses"])
    assert toasts(response) == ["Escalated added."]
    status = Status.objects.get(name="Escalated")
    assert (
        status.is_default,
        status.overdue_after_days,
        status.notify_account_manager,
        status.notify_administrator,
        status.notify_addresses,
    ) == (False, 3, True, False, "szef@firma.pl, dyzur@firma.pl")


def test_a_bad_notify_address_is_named_on_its_field(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-create", args=["statuses"]),
        status_form(notify_addresses="szef@firma.pl, szef at firma"),
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "notify_addresses": ["“szef at firma” is not an email address."]
    }
    assert Status.objects.filter(name="Escalated").exists() is False


def test_the_add_form_posted_twice_adds_one_value(admin) -> None:
    # given
    client = client_for(admin)
    url = reverse("cases:lookup-create", args=["statuses"])
    # when
    client.post(url, status_form())
    response = client.post(url, status_form())
    # then
    assert Status.objects.filter(name="Escalated").count() == 1
    assert toasts(response) == [
        "Escalated added.",
        "This form was already sent; nothing was added twice.",
    ]


def test_a_taken_name_is_refused_on_the_name_field(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-create", args=["priorities"]), {"name": "normal"}
    )
    # then
    assert response.context["form"].errors == {
        "name": ["This list already has a value named normal."]
    }


def test_editing_a_value_into_the_default_unsets_the_old_one(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-edit", args=["priorities", priorities["Low"].pk]),
        {"name": "Minor", "is_default": "on"},
    )
    # then
    assert toasts(response) == ["Minor saved."]
    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Minor"
    ]


def test_unticking_the_default_keeps_it_the_default(admin, priorities) -> None:
    # when: the checkbox is disabled, a forged post leaves it out
    response = client_for(admin).post(
        reverse("cases:lookup-edit", args=["priorities", priorities["Normal"].pk]),
        {"name": "Normal"},
    )
    # then
    assert response.status_code == 302
    assert Priority.objects.get(pk=priorities["Normal"].pk).is_default is True


# Deleting.


def test_delete_page_states_how_many_cases_use_the_value(admin, priorities) -> None:
    # given
    for subject in ("One", "Two"):
        case_create(by=admin, subject=subject, data={"priority": priorities["High"]})
    # when
    response = client_for(admin).get(
        reverse("cases:lookup-delete", args=["priorities", priorities["High"].pk])
    )
    # then
    html = response.content.decode()
    assert "2 cases use it. Choose the value they move to" in html
    assert list(response.context["form"].fields) == ["move_to"]
    assert [str(v) for v in response.context["form"].fields["move_to"].queryset] == [
        "Low",
        "Normal",
    ]


def test_deleting_a_value_in_use_without_a_target_is_refused(admin, priorities) -> None:
    # given
    case_create(by=admin, subject="One", data={"priority": priorities["High"]})
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-delete", args=["priorities", priorities["High"].pk]), {}
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"move_to": ["This field is required."]}
    assert Priority.objects.filter(name="High").exists() is True


def test_deleting_a_value_in_use_moves_its_cases(admin, priorities) -> None:
    # given
    cases = [
        case_create(by=admin, subject=subject, data={"priority": priorities["High"]})
        for subject in ("One", "Two")
    ]
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-delete", args=["priorities", priorities["High"].pk]),
        {"move_to": priorities["Low"].pk},
    )
    # then
    assert response.headers["Location"] == reverse("cases:lookup-list", args=["priorities"])
    assert toasts(response) == ["High deleted; its 2 cases now have Low."]
    assert [Case.objects.get(pk=case.pk).priority.name for case in cases] == ["Low", "Low"]
    assert [Case.history.filter(id=case.pk).latest().history_user for case in cases] == [
        admin,
        admin,
    ]


def test_deleting_the_default_asks_for_the_new_default(admin, priorities) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:lookup-delete", args=["priorities", priorities["Normal"].pk]),
        {"new_default": priorities["High"].pk},
    )
    # then
    assert toasts(response) == ["Normal deleted."]
    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == ["High"]


def test_the_incoming_status_cannot_be_deleted(admin) -> None:
    # given
    incoming = case_settings().incoming_status
    url = reverse("cases:lookup-delete", args=["statuses", incoming.pk])
    client = client_for(admin)
    # when
    page = client.get(url)
    response = client.post(url, {})
    # then
    refusal = (
        f"{incoming.name} is the status a customer&#x27;s message or our reply moves a case to."
    )
    assert refusal in page.content.decode()
    assert response.status_code == 200
    assert refusal in response.content.decode()
    assert Status.objects.filter(pk=incoming.pk).exists() is True


# The case settings page.


def settings_form(**changes: str) -> dict[str, str]:
    row = case_settings()
    return {
        "prefix": "acme",
        "incoming_status": str(row.incoming_status_id),
        "reply_status": str(row.reply_status_id),
    } | changes


def test_settings_page_warns_against_generic_prefixes(admin) -> None:
    response = client_for(admin).get(reverse("cases:case-settings"))
    assert "generic prefixes such as CRM or TICKET collide" in response.content.decode()


def test_prefix_is_saved_upper_cased(configurator) -> None:
    # when
    response = client_for(configurator).post(reverse("cases:case-settings"), settings_form())
    # then
    assert response.headers["Location"] == reverse("cases:case-settings")
    assert toasts(response) == ["Case settings saved."]
    assert CaseSettings.objects.get().prefix == "ACME"


def test_a_generic_prefix_is_refused_on_its_field(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:case-settings"), settings_form(prefix="ticket")
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["prefix"][0].startswith("TICKET is too generic")
    assert CaseSettings.objects.get().prefix == "KART"


def test_a_prefix_with_spaces_is_refused(admin) -> None:
    # when
    response = client_for(admin).post(reverse("cases:case-settings"), settings_form(prefix="AC ME"))
    # then
    assert response.context["form"].errors == {
        "prefix": [
            "Use 1 to 16 characters: letters A–Z, digits, dashes and underscores, for example ACME."
        ]
    }


def test_accepted_old_prefixes_are_saved_upper_cased_without_the_current_one(admin) -> None:
    # given
    page = client_for(admin).get(reverse("cases:case-settings")).content.decode()
    assert "Prefixes of earlier names still accepted in incoming subjects" in page
    # when
    client_for(admin).post(
        reverse("cases:case-settings"),
        settings_form(accepted_old_prefixes=" oldco, helpdesk-1 ,acme, OLDCO"),
    )
    # then
    row = CaseSettings.objects.get()
    assert row.accepted_old_prefixes == "OLDCO, HELPDESK-1"
    assert row.old_prefixes == ("OLDCO", "HELPDESK-1")


def test_an_old_prefix_with_other_characters_is_refused_on_its_field(admin) -> None:
    response = client_for(admin).post(
        reverse("cases:case-settings"), settings_form(accepted_old_prefixes="OLD, NO WAY")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["accepted_old_prefixes"][0].startswith("NO WAY: use")
    assert CaseSettings.objects.get().accepted_old_prefixes == ""


def test_settings_choose_the_statuses_messages_move_cases_to(admin) -> None:
    # given
    waiting = lookups.lookup_create(model=Status, name="Awaiting us")
    answered = lookups.lookup_create(model=Status, name="Answered")
    # when
    client_for(admin).post(
        reverse("cases:case-settings"),
        settings_form(incoming_status=str(waiting.pk), reply_status=str(answered.pk)),
    )
    # then
    row = CaseSettings.objects.get()
    assert (row.incoming_status, row.reply_status) == (waiting, answered)


def test_settings_need_both_statuses(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("cases:case-settings"), settings_form(incoming_status="")
    )
    # then
    assert response.context["form"].errors == {"incoming_status": ["This field is required."]}
