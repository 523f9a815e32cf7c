"""The mailbox a case's mail goes out from: the case's own, else the default one; chosen on the
case forms and the case page, recorded in the history, used by replies and notices."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, Priority, Status
from kartoteka.mail.mailboxes import (
    case_mailbox_set,
    case_mailbox_shown,
    mailbox_delete,
    mailbox_for_case,
)
from kartoteka.mail.models import CaseMailbox, Message
from kartoteka.mail.sending.compose import composer_start
from kartoteka.notifications.notices import customer_notices_send
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def default():
    return make_mailbox("pomoc@firma.example", is_default=True)


@pytest.fixture
def service():
    return make_mailbox("serwis@firma.example", sender_name="Serwis Firma")


def mailbox_changes(case: Case) -> list[tuple[str, str, str]]:
    return [
        (change.old, change.new, str(entry.who or ""))
        for entry in case_history(case)
        for change in entry.changes
        if change.field == "mailbox"
    ]


# Which mailbox


def test_a_case_without_its_own_mailbox_sends_from_the_default(default) -> None:
    case = make_case()
    assert mailbox_for_case(case) == default
    assert case_mailbox_shown(case) == (default, False)


def test_a_case_with_its_own_mailbox_sends_from_it(default, service, agent) -> None:
    case = make_case()
    assert case_mailbox_set(case=case, mailbox=service, by=agent) is True
    assert mailbox_for_case(case) == service
    assert case_mailbox_shown(case) == (service, True)


def test_a_deactivated_own_mailbox_falls_back_to_the_default(default, service) -> None:
    case = make_case()
    case_mailbox_set(case=case, mailbox=service, by=None)
    service.active = False
    service.save(update_fields=["active"])
    assert mailbox_for_case(case) == default


def test_a_deleted_own_mailbox_falls_back_to_the_default(default, service) -> None:
    case = make_case()
    case_mailbox_set(case=case, mailbox=service, by=None)
    mailbox_delete(mailbox=service)
    assert mailbox_for_case(case) == default
    assert not CaseMailbox.objects.exists()


def test_without_any_mailbox_that_sends_there_is_none() -> None:
    make_mailbox("stary@firma.example", is_default=True, active=False)
    assert mailbox_for_case(make_case()) is None


def test_an_archive_or_inactive_mailbox_cannot_be_a_cases_mailbox(default) -> None:
    archive = make_mailbox("bcc@firma.example", purpose="archive")
    sleeping = make_mailbox("stary@firma.example", active=False)
    case = make_case()
    for mailbox in (archive, sleeping):
        with pytest.raises(ValidationError) as raised:
            case_mailbox_set(case=case, mailbox=mailbox, by=None)
        assert raised.value.message_dict == {
            "mailbox": ["That mailbox cannot send (inactive or an archive); choose another."]
        }
    assert not CaseMailbox.objects.exists()


def test_choosing_the_default_lets_the_case_follow_the_default_and_history_says_so(
    default, service, agent
) -> None:
    case = make_case()
    case_mailbox_set(case=case, mailbox=service, by=agent)
    assert case_mailbox_set(case=case, mailbox=service, by=agent) is False
    case_mailbox_set(case=case, mailbox=default, by=agent)
    assert not CaseMailbox.objects.exists()
    assert mailbox_changes(case) == [
        ("the default mailbox", str(service), str(agent)),
        (str(service), "the default mailbox", str(agent)),
    ]


# Who uses it


def test_the_reply_composer_preselects_the_cases_mailbox_over_the_one_mail_came_in(
    default, service
) -> None:
    case = make_case()
    inbound = make_inbound(case, mailbox=default)
    assert composer_start(case=case, kind="reply", replying_to=inbound).mailbox == default
    case_mailbox_set(case=case, mailbox=service, by=None)
    assert composer_start(case=case, kind="reply", replying_to=inbound).mailbox == service


def test_customer_notices_go_out_from_the_cases_mailbox(default, service) -> None:
    # given
    customer = AccountFactory(name="Budimex S.A.", country="GB")
    jan = ContactFactory(account=customer, first_name="Jan", last_name="Kowalski")
    EmailAddressFactory(contact=jan, address="jan@klient.example")
    case = make_case(account=customer, reporter=jan, notify=True)
    case_mailbox_set(case=case, mailbox=service, by=None)
    # when
    customer_notices_send(Happening(Kind.CASE_CREATED, case.pk, channel="user"), case)
    # then
    sent = Message.objects.get(case=case, direction=Message.Direction.OUTBOUND)
    assert (sent.mailbox, sent.from_address) == (service, "serwis@firma.example")


# The case forms


def case_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "subject": "Drukarka nie drukuje",
        "status": Status.objects.get(is_default=True).pk,
        "priority": Priority.objects.get(is_default=True).pk,
    }
    data.update(overrides)
    return data


def test_the_new_case_form_offers_the_mailboxes_that_send_with_the_default_chosen(
    agent, default, service
) -> None:
    make_mailbox("bcc@firma.example", purpose="archive")
    response = client_for(agent).get(reverse("cases:case-create"))
    field = response.context["form"]["mailbox"]
    assert field.initial == default
    assert [str(choice[1]) for choice in field.field.choices] == [
        "— the default mailbox —",
        str(default),
        str(service),
    ]
    assert f'<option value="{default.pk}" selected>' in response.text


def test_a_new_case_with_another_mailbox_keeps_it(agent, default, service) -> None:
    response = client_for(agent).post(reverse("cases:case-create"), case_post(mailbox=service.pk))
    assert response.status_code == 302
    case = Case.objects.get()
    assert mailbox_for_case(case) == service
    assert mailbox_changes(case) == [("the default mailbox", str(service), str(agent))]


def test_a_new_case_with_the_default_mailbox_names_none_of_its_own(agent, default) -> None:
    response = client_for(agent).post(reverse("cases:case-create"), case_post(mailbox=default.pk))
    assert response.status_code == 302
    assert not CaseMailbox.objects.exists()
    assert mailbox_changes(Case.objects.get()) == []


@pytest.mark.parametrize("value", ["archive", "inactive", "999999", "1 OR 1=1", "x" * 5000])
def test_a_case_form_with_a_mailbox_that_cannot_send_is_refused_and_creates_nothing(
    agent, default, value
) -> None:
    mailboxes = {
        "archive": make_mailbox("bcc@firma.example", purpose="archive").pk,
        "inactive": make_mailbox("stary@firma.example", active=False).pk,
    }
    response = client_for(agent).post(
        reverse("cases:case-create"), case_post(mailbox=mailboxes.get(value, value))
    )
    assert response.status_code == 400
    assert "mailbox" in response.context["form"].errors
    assert not Case.objects.exists()


def test_editing_a_case_changes_its_mailbox_and_history_records_it(agent, default, service) -> None:
    case = make_case()
    edit = reverse("cases:case-edit", args=[case.number])
    assert client_for(agent).get(edit).context["form"]["mailbox"].initial == default
    response = client_for(agent).post(edit, case_post(mailbox=service.pk))
    assert response.status_code == 302
    assert mailbox_for_case(case) == service
    assert client_for(agent).get(edit).context["form"]["mailbox"].initial == service
    history = client_for(agent).get(reverse("cases:case-history", args=[case.number]))
    assert "serwis@firma.example" in history.text


# The case page


def property_url(case: Case) -> str:
    return reverse("desk:case-property", args=[case.number, "mailbox"])


def test_the_case_page_shows_the_mailbox_and_whether_it_is_the_default(
    agent, default, service
) -> None:
    case = make_case()
    page = client_for(agent).get(case.get_absolute_url())
    assert 'id="property-mailbox"' in page.text
    assert "pomoc@firma.example" in page.text
    assert "(default)" in page.text
    case_mailbox_set(case=case, mailbox=service, by=None)
    page = client_for(agent).get(case.get_absolute_url())
    assert "serwis@firma.example" in page.text


def test_the_mailbox_is_changed_in_place(agent, default, service) -> None:
    case = make_case()
    client = client_for(agent)
    form = client.get(property_url(case), **HTMX)
    assert f'<option value="{default.pk}" selected>' in form.text
    response = client.post(property_url(case), {"mailbox": service.pk}, **HTMX)
    assert response.status_code == 200
    assert "serwis@firma.example" in response.text
    assert mailbox_for_case(case) == service
    # without a script: a redirect to the property
    response = client.post(property_url(case), {"mailbox": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("#property-mailbox")
    assert mailbox_for_case(case) == default


def test_a_hostile_mailbox_posted_in_place_changes_nothing(agent, default, service) -> None:
    case = make_case()
    archive = make_mailbox("bcc@firma.example", purpose="archive")
    for value in (archive.pk, "999999", "<script>"):
        response = client_for(agent).post(property_url(case), {"mailbox": value})
        assert response.status_code == 400
    assert not CaseMailbox.objects.exists()


def test_someone_elses_case_mailbox_is_not_found(outsider, support_team, default, service):
    secret = AccountFactory(restricted=True, team=support_team)
    case = make_case(account=secret)
    client = client_for(outsider)
    assert client.get(property_url(case)).status_code == 404
    assert client.post(property_url(case), {"mailbox": service.pk}).status_code == 404
    assert not CaseMailbox.objects.exists()


def test_a_portal_user_cannot_reach_the_property(portal_user, default, service) -> None:
    case = make_case()
    response = client_for(portal_user).post(property_url(case), {"mailbox": service.pk})
    assert response.status_code == 404
    assert not CaseMailbox.objects.exists()
