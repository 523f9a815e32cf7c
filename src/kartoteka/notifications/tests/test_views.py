from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from kartoteka.activities.models import Task
from kartoteka.notifications import emails, services
from kartoteka.notifications.models import Notification
from kartoteka.notifications.selectors import unread_count
from kartoteka.people.models import User
from kartoteka.testing.activities import call_recorded
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")


def tell(user: User, count: int = 1, *, kind: str = Notification.Kind.NOTE) -> list[Notification]:
    case = make_case("Drukarka nie drukuje")
    created = []
    for number in range(count):
        created += services.notify(users=[user], case=case, kind=kind, text=f"wpis {number}")
    return created


def shown_texts(response) -> list[str]:
    return [n.text for n in response.context["page_obj"].object_list]


# The list


def test_the_list_shows_ones_own_notifications_newest_first(agent, supervisor):
    tell(agent, 3)
    tell(supervisor, 1)
    response = client_for(agent).get(LIST)
    assert response.status_code == 200
    assert shown_texts(response) == ["wpis 2", "wpis 1", "wpis 0"]


def test_unread_rows_are_bold_and_read_ones_are_not(agent):
    first, second = tell(agent, 2)
    services.notification_mark_read(user=agent, notification_id=first.pk)
    html = client_for(agent).get(LIST).content.decode()
    assert f'id="notification-{second.pk}" class="notification unread"' in html
    assert f'id="notification-{first.pk}" class="notification"' in html


def test_the_unread_filter_leaves_out_read_ones(agent):
    first, _second = tell(agent, 2)
    services.notification_mark_read(user=agent, notification_id=first.pk)
    response = client_for(agent).get(LIST, {"show": "unread"})
    assert shown_texts(response) == ["wpis 1"]


def test_each_row_links_to_its_case(agent):
    [row] = tell(agent)
    html = client_for(agent).get(LIST).content.decode()
    assert f'href="/cases/{row.case.number}/"' in html


def test_the_outsider_sees_nothing_of_the_agents(agent, outsider_client):
    tell(agent, 2)
    response = outsider_client.get(LIST)
    assert shown_texts(response) == []
    assert "No notifications yet." in response.content.decode()


def test_the_list_does_not_exist_for_portal_users(portal_user):
    assert client_for(portal_user).get(LIST).status_code == 404


def test_who_does_not_work_with_cases_hears_of_tasks_not_of_cases(clerk):
    # given a clerk with a task reminder, and a case notification from when they worked cases
    account = AccountFactory(name="Alfa")
    call_recorded(clerk, account, next_in=timedelta(hours=1))
    reminder = Notification.objects.create(
        recipient=clerk,
        kind=Notification.Kind.TASK_REMINDER,
        task=Task.objects.get(),
        text="Oddzwonić",
    )
    Notification.objects.create(recipient=clerk, case=make_case(), kind=Notification.Kind.NOTE)
    # when
    page = client_for(clerk).get(LIST)
    # then the bell counts the reminder alone, and the list shows it alone
    assert (page.status_code, unread_count(clerk)) == (200, 1)
    assert [row.pk for row in page.context["page_obj"]] == [reminder.pk]
    assert "notification-bell" in page.text


def test_the_list_asks_a_stranger_to_sign_in():
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("rows", [2, 30])
def test_the_list_query_count_does_not_grow_with_rows(agent, rows, django_assert_num_queries):
    tell(agent, rows)
    client = client_for(agent)
    # session, user, the page's count, the triage count, the bell's count, and the rows
    # with their case and actor joined
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert len(response.context["page_obj"].object_list) == rows


# The bell


def test_the_bell_shows_the_unread_count(agent):
    tell(agent, 3)
    html = client_for(agent).get(LIST).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in html
    assert '<span class="bell-count" aria-hidden="true">3</span>' in html


def test_the_bell_hides_its_badge_when_nothing_is_unread(agent):
    html = client_for(agent).get(LIST).content.decode()
    assert 'id="notification-bell"' in html
    assert 'aria-label="Notifications"' in html
    assert "bell-count" not in html


def test_the_bell_costs_one_count_query(agent, django_assert_num_queries):
    tell(agent, 4)
    with django_assert_num_queries(1):
        assert unread_count(agent) == 4


def test_no_bell_and_no_query_for_portal_users(portal_user, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert unread_count(portal_user) == 0


# Marking read


def test_mark_as_read_without_javascript_goes_back_to_the_list(agent, frozen_now):
    [row] = tell(agent)
    response = client_for(agent).post(
        reverse("notifications:read", args=[row.pk]), {"next": f"{LIST}?show=unread"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LIST}?show=unread"
    row.refresh_from_db()
    assert row.read_at == frozen_now


def test_mark_as_read_never_goes_back_elsewhere(agent):
    [row] = tell(agent)
    response = client_for(agent).post(
        reverse("notifications:read", args=[row.pk]), {"next": "https://evil.example/"}
    )
    assert response.headers["Location"] == LIST


def test_mark_as_read_with_htmx_returns_the_row_and_the_new_bell(agent):
    first, _second = tell(agent, 2)
    response = client_for(agent).post(
        reverse("notifications:read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<li id="notification-{first.pk}" class="notification">' in html
    assert 'hx-swap-oob="true"' in html
    assert 'aria-label="Notifications, 1 unread"' in html


def test_marking_someone_elses_notification_is_404_and_changes_nothing(agent, outsider_client):
    [row] = tell(agent)
    response = outsider_client.post(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_marking_an_unknown_notification_is_404(agent):
    response = client_for(agent).post(reverse("notifications:read", args=[999_999]))
    assert response.status_code == 404


def test_mark_as_read_refuses_get(agent):
    [row] = tell(agent)
    response = client_for(agent).get(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_as_read_marks_only_ones_own(agent, supervisor):
    tell(agent, 3)
    [theirs] = tell(supervisor)
    response = client_for(agent).post(reverse("notifications:read-all"), follow=True)
    assert "Every notification is marked as read." in response.content.decode()
    assert Notification.objects.visible_to(agent).unread().count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_needs_the_csrf_token(agent):
    tell(agent, 2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("notifications:read-all"))
    assert response.status_code == 403
    assert Notification.objects.visible_to(agent).unread().count() == 2


def test_the_outsider_cannot_mark_all_of_the_agents(agent, outsider_client):
    tell(agent, 2)
    outsider_client.post(reverse("notifications:read-all"))
    assert Notification.objects.visible_to(agent).unread().count() == 2


# Stopping the emails


def unsubscribe_url(user: User) -> str:
    return reverse("notifications:unsubscribe", args=[emails.unsubscribe_token(user)])


def test_the_unsubscribe_link_asks_first_and_get_changes_nothing(agent):
    response = Client().get(unsubscribe_url(agent))
    assert response.status_code == 200
    assert "Stop sending notification emails to agent@firma.example?" in response.content.decode()
    agent.refresh_from_db()
    assert agent.notification_email == User.NotificationEmail.IMMEDIATE


def test_the_unsubscribe_link_stops_the_emails_without_signing_in(agent):
    response = Client().post(unsubscribe_url(agent))
    assert response.status_code == 200
    assert "no more notification emails go to agent@firma.example" in response.content.decode()
    agent.refresh_from_db()
    assert agent.notification_email == User.NotificationEmail.OFF


def test_the_unsubscribe_link_works_for_a_signed_in_user_too(agent):
    response = client_for(agent).post(unsubscribe_url(agent))
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.notification_email == User.NotificationEmail.OFF


def test_a_tampered_unsubscribe_link_is_refused_and_changes_nothing(agent, outsider):
    token = emails.unsubscribe_token(outsider)
    value, signature = token.rsplit(":", 1)
    forged = emails.unsubscribe_token(agent).rsplit(":", 1)[0] + ":" + signature
    for bad in (forged, value + ":" + "x" * len(signature), "nonsense"):
        url = reverse("notifications:unsubscribe", args=[bad])
        response = Client().post(url)
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    agent.refresh_from_db()
    outsider.refresh_from_db()
    assert agent.notification_email == outsider.notification_email == "immediate"


def test_a_token_signed_for_something_else_is_refused(agent):
    from django.core import signing

    token = signing.dumps(agent.pk, salt="kartoteka.something-else")
    response = Client().post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400


def test_the_unsubscribe_link_of_a_deactivated_user_is_refused(agent):
    url = unsubscribe_url(agent)
    agent.is_active = False
    agent.save()
    assert Client().get(url).status_code == 400


def test_the_unsubscribe_post_needs_the_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    assert client.post(unsubscribe_url(agent)).status_code == 403
    agent.refresh_from_db()
    assert agent.notification_email == "immediate"


def test_the_unsubscribe_page_has_a_working_form(agent):
    client = Client(enforce_csrf_checks=True)
    page = client.get(unsubscribe_url(agent)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(unsubscribe_url(agent), {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.notification_email == "off"


def test_opening_a_case_reads_its_news_and_only_its_own(agent, supervisor):
    # given: news about two cases, for the agent and for the supervisor
    printer, invoice = make_case("Drukarka"), make_case("Faktura")
    for case in (printer, invoice):
        services.notify(users=[agent, supervisor], case=case, kind=Notification.Kind.NOTE)
    # when: the agent opens the printer case
    response = client_for(agent).get(printer.get_absolute_url())
    # then: the bell counts only the invoice's news; the supervisor's stay unread
    assert 'aria-label="Notifications, 1 unread"' in response.text
    unread = Notification.objects.filter(read_at__isnull=True)
    assert sorted(unread.values_list("recipient__username", "case__subject")) == [
        ("agent", "Faktura"),
        ("supervisor", "Drukarka"),
        ("supervisor", "Faktura"),
    ]
