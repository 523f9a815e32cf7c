"""The case page: properties edited in place, the conversation, its tree and the print view."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases import services
from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, CaseEvent, Priority, Status
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.models import User
from kartoteka.testing.activities import call_recorded
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.sending import add_message
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(case: Case) -> str:
    return reverse("desk:case-detail", args=[case.number])


def prop(case: Case, name: str) -> str:
    return reverse("desk:case-property", args=[case.number, name])


def order_url(case: Case) -> str:
    return reverse("desk:case-conversation-order", args=[case.number])


def print_url(case: Case) -> str:
    return reverse("desk:case-print", args=[case.number])


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def hidden_case(support_team) -> Case:
    return make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))


# Access


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("get", lambda case: prop(case, "status")),
        ("post", lambda case: prop(case, "status")),
        ("post", order_url),
        ("get", print_url),
    ],
)
def test_outsider_gets_404_on_the_case_page_actions_of_a_hidden_case(
    outsider, hidden_case, method, target
):
    # given
    before = hidden_case.status_id

    # when
    response = getattr(client_for(outsider), method)(
        target(hidden_case), {"status": Status.objects.get(name="Closed").pk}
    )

    # then
    assert response.status_code == 404
    assert fresh(hidden_case).status_id == before


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
def test_users_without_case_rights_get_404_on_property_edit(request, persona):
    # given
    case = make_case()

    # when
    response = client_for(request.getfixturevalue(persona)).get(prop(case, "status"))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["account", "number", "created_by", "description_x"])
def test_a_property_that_is_not_editable_in_place_is_404(agent, name):
    # given
    case = make_case(account=AccountFactory())

    # when
    response = client_for(agent).post(prop(case, name), {name: "1"}, **HTMX)

    # then
    assert response.status_code == 404


# Editing in place


def test_htmx_get_swaps_in_the_form_of_one_property(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).get(prop(case, "priority"), **HTMX)

    # then
    assert response.status_code == 200
    assert response.text.count('<div class="property" id="property-priority">') == 1
    assert f'hx-post="{prop(case, "priority")}"' in response.text
    assert '<select name="priority"' in response.text
    assert "<html" not in response.text


def test_htmx_status_change_swaps_the_row_back_and_is_in_the_history(agent):
    # given
    case = make_case()
    open_status = Status.objects.get(name="Open")

    # when
    response = client_for(agent).post(prop(case, "status"), {"status": open_status.pk}, **HTMX)

    # then
    assert response.status_code == 200
    assert '<span class="pill">Open</span>' in response.text
    assert 'id="case-header" hx-swap-oob="true"' in response.text
    assert "Status saved." in response.text
    assert fresh(case).status == open_status
    change = case_history(case)[-1]
    assert (change.kind, change.who, [(c.field, c.old, c.new) for c in change.changes]) == (
        "changed",
        agent,
        [("status", "New", "Open")],
    )


def test_without_htmx_a_property_post_saves_and_redirects_to_the_row(agent):
    # given
    case = make_case()
    due = timezone.localdate() + dt.timedelta(days=5)

    # when
    response = client_for(agent).post(prop(case, "due_date"), {"due_date": due.isoformat()})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{detail(case)}#property-due_date"
    assert fresh(case).due_date == due


def test_without_htmx_the_property_link_shows_the_page_with_its_form(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).get(prop(case, "subject"))

    # then
    assert response.status_code == 200
    assert "<html" in response.text
    assert f'action="{prop(case, "subject")}"' in response.text
    assert 'name="subject"' in response.text


def test_cancel_swaps_the_value_back(agent):
    # given
    case = make_case("Drukarka")

    # when
    response = client_for(agent).get(prop(case, "subject") + "?cancel=1", **HTMX)

    # then
    assert '<form method="post"' not in response.text
    assert "Drukarka" in response.text


def test_assignee_change_names_the_new_assignee(agent, supervisor):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(prop(case, "assignee"), {"assignee": supervisor.pk}, **HTMX)

    # then
    assert str(supervisor) in response.text
    assert fresh(case).assignee == supervisor


def test_subject_change_updates_the_header_too(agent):
    # given
    case = make_case("Stary temat")

    # when
    response = client_for(agent).post(prop(case, "subject"), {"subject": "  Nowy temat "}, **HTMX)

    # then
    assert f'<h1><span class="case-tag">#{case.number}</span> Nowy temat</h1>' in response.text
    assert fresh(case).subject == "Nowy temat"


def test_contacts_change_is_a_case_event(agent):
    # given
    account = AccountFactory()
    jan = ContactFactory(account=account, first_name="Jan", last_name="Nowak")
    ewa = ContactFactory(account=account, first_name="Ewa", last_name="Lis")
    case = make_case(account=account, contacts=(jan,))
    CaseEvent.objects.filter(case=case).delete()

    # when
    response = client_for(agent).post(prop(case, "contacts"), {"contacts": [ewa.pk]}, **HTMX)

    # then
    assert response.status_code == 200
    assert list(fresh(case).contacts.all()) == [ewa]
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor) == (CaseEvent.Kind.CONTACTS_CHANGED, agent)
    assert "Ewa Lis" in response.text


def test_contacts_form_offers_only_the_customers_contacts(agent):
    # given
    account = AccountFactory()
    ours = ContactFactory(account=account, last_name="Nasz")
    theirs = ContactFactory(account=AccountFactory(), last_name="Obcy")
    case = make_case(account=account)

    # when
    response = client_for(agent).get(prop(case, "contacts"), **HTMX)

    # then
    assert f'value="{ours.pk}"' in response.text
    assert f'value="{theirs.pk}"' not in response.text


# Hostile input: refused with a message, nothing changes


def _refused(response, case: Case, message: str) -> None:
    assert response.status_code == 200  # htmx swaps only successful answers
    assert message in response.text
    assert 'role="alert"' in response.text


def test_someone_elses_contact_is_refused(agent):
    # given
    account = AccountFactory()
    jan = ContactFactory(account=account)
    stranger = ContactFactory(account=AccountFactory())
    case = make_case(account=account, contacts=(jan,))
    events = CaseEvent.objects.filter(case=case).count()

    # when
    response = client_for(agent).post(
        prop(case, "contacts"), {"contacts": [jan.pk, stranger.pk]}, **HTMX
    )

    # then
    _refused(response, case, "Select a valid choice.")
    assert list(fresh(case).contacts.all()) == [jan]
    assert CaseEvent.objects.filter(case=case).count() == events


def test_someone_elses_contact_as_reporter_is_refused(agent):
    # given
    case = make_case(account=AccountFactory())
    stranger = ContactFactory(account=AccountFactory())

    # when
    response = client_for(agent).post(prop(case, "reporter"), {"reporter": stranger.pk}, **HTMX)

    # then
    _refused(response, case, "Select a valid choice.")
    assert fresh(case).reporter is None


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_a_status_that_does_not_exist_is_refused(agent, value):
    # given
    case = make_case()
    before = fresh(case).status_id
    records = case.history.count()

    # when
    response = client_for(agent).post(prop(case, "status"), {"status": value}, **HTMX)

    # then
    message = "This field is required." if value == "" else "Select a valid choice."
    _refused(response, case, message)
    assert fresh(case).status_id == before
    assert case.history.count() == records


def test_a_past_expected_resolution_is_refused(agent):
    # given
    case = make_case()
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    # when
    response = client_for(agent).post(
        prop(case, "due_date"), {"due_date": yesterday.isoformat()}, **HTMX
    )

    # then
    _refused(
        response, case, "The expected resolution date is in the past; choose today or a later day."
    )
    assert fresh(case).due_date is None


def test_an_oversized_subject_is_refused(agent):
    # given
    case = make_case("Krótki")

    # when
    response = client_for(agent).post(prop(case, "subject"), {"subject": "x" * 256}, **HTMX)

    # then
    _refused(response, case, "Ensure this value has at most 255 characters (it has 256).")
    assert fresh(case).subject == "Krótki"


def test_a_refused_change_without_htmx_is_the_page_with_the_form_and_400(agent):
    # given
    case = make_case("Krótki")

    # when
    response = client_for(agent).post(prop(case, "subject"), {"subject": ""})

    # then
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert f'<h1><span class="case-tag">#{case.number}</span> Krótki</h1>' in response.text


def test_the_customer_is_shown_as_a_link_without_an_edit_button(agent):
    # given
    account = AccountFactory(name="Alfa")
    case = make_case(account=account)

    # when
    response = client_for(agent).get(detail(case))

    # then
    assert f'<a href="{account.get_absolute_url()}">Alfa</a>' in response.text
    assert reverse("desk:case-property", args=[case.number, "status"]) in response.text
    assert "/properties/account/" not in response.text


# The conversation


def test_newest_first_is_remembered_and_used_on_every_case(agent):
    # given
    case = make_case()
    add_message(case, text="Pierwsza wiadomość")
    add_message(case, text="Druga wiadomość")
    client = client_for(agent)

    # when
    swapped = client.post(order_url(case), {"order": "newest"}, **HTMX)
    page = client.get(detail(case))

    # then
    agent.refresh_from_db()
    assert agent.conversation_order == User.ConversationOrder.NEWEST_FIRST
    for text in (swapped.text, page.text):
        assert text.index("Druga wiadomość") < text.index("Pierwsza wiadomość")
    assert 'value="newest" aria-pressed="true"' in swapped.text
    assert "<html" not in swapped.text


def test_an_unknown_order_is_refused(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(order_url(case), {"order": "random"})

    # then
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.conversation_order == User.ConversationOrder.OLDEST_FIRST


def test_order_without_htmx_redirects_to_the_conversation(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(order_url(case), {"order": "newest"})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{detail(case)}#conversation"


def test_message_card_offers_reply_forward_move_and_split(agent):
    # given
    case = make_case()
    message = add_message(case)
    compose = reverse("mail:compose", args=[case.number])

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    for kind in ("reply", "reply-all", "forward"):
        link = f"{compose}?kind={kind}&amp;message={message.pk}"
        assert f'href="{link}" hx-get="{link}" hx-target="#composer"' in text
    assert f'href="{reverse("mail:message-move", args=[message.pk])}"' in text
    assert f'href="{reverse("mail:message-split", args=[message.pk])}"' in text
    assert '<div id="composer"></div>' in text
    assert f'href="{reverse("desk:case-merge", args=[case.number])}"' in text
    assert f'id="message-{message.pk}"' in text


def test_the_date_is_in_the_users_time_zone(agent):
    # given
    agent.time_zone = "America/New_York"
    agent.save(update_fields=["time_zone"])
    case = make_case()
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    message = add_message(case, date=received - dt.timedelta(minutes=5))
    Message.objects.filter(pk=message.pk).update(created_at=received)

    # when
    text = client_for(agent).get(detail(case)).text

    # then: the moment it was received, in the user's zone
    local = received.astimezone(zoneinfo.ZoneInfo("America/New_York")).isoformat()
    assert f'<time datetime="{local}"' in text


def test_outbound_states_are_marked(agent):
    # given
    case = make_case()
    for state in ("queued", "sending", "sent"):
        add_message(case, direction="out", state=state, text=f"Stan {state}")
    add_message(case, bounce=True, text="Undelivered")

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    assert '<span class="pill pill-pending">Queued</span>' in text
    assert '<span class="pill pill-pending">Sending</span>' in text
    assert '<span class="pill pill-out">Sent</span>' in text
    assert '<span class="pill pill-auto">Bounce</span>' in text
    assert text.count('class="message-card message-collapsed"') == 1


def test_merged_case_shows_where_it_went(agent):
    # given
    target = make_case("Główna")
    case = make_case("Scalona")
    Case.objects.filter(pk=case.pk).update(merged_into=target)

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    assert f'Merged into <a href="{detail(target)}">#{target.number}</a>' in text


def test_attachments_show_icon_size_and_download_link(agent):
    # given
    case = make_case()
    message = add_message(case)
    attachment = Attachment.objects.create(
        message=message, filename="faktura.pdf", content_type="application/pdf", size=2048,
        sha256="a" * 64,
    )  # fmt: skip

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    assert (
        f'<a class="chip" href="{reverse("mail:attachment-download", args=[attachment.pk])}">'
        '<span class="file-icon" aria-hidden="true">📕</span> faktura.pdf</a>'
        ' <span class="muted">2.0\xa0KB</span>'
    ) in text


def test_cid_images_point_at_their_inline_attachment(agent):
    # given
    case = make_case()
    message = add_message(
        case,
        html='<p><img src="cid:logo@firma" alt="logo"><img src="cid:doc@firma" alt="doc"></p>',
    )
    image = Attachment.objects.create(
        message=message, filename="logo.png", content_type="image/png", size=10,
        sha256="b" * 64, inline=True, content_id="logo@firma",
    )  # fmt: skip
    Attachment.objects.create(
        message=message, filename="doc.html", content_type="text/html", size=10,
        sha256="c" * 64, inline=True, content_id="doc@firma",
    )  # fmt: skip

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    inline = reverse("mail:attachment-inline", args=[image.pk])
    assert f'<img src="{inline}" loading="lazy" alt="logo">' in text
    assert '<img alt="doc">' in text
    assert "cid:" not in text


def test_remote_images_wait_for_the_readers_consent(agent):
    # given: HTML as the sanitiser stores it when it keeps a remote image's address
    case = make_case()
    add_message(case, html='<p><img src="https://tracker.example/p.gif?a=1&amp;b=2" alt="">x</p>')

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    assert ' src="https://tracker.example' not in text
    assert '<img data-remote-src="https://tracker.example/p.gif?a=1&amp;b=2" alt="">' in text
    assert "1 remote image was not loaded, to protect your privacy." in text
    assert "data-show-remote-images" in text


# The tree


def test_tree_lists_messages_notes_and_changes_in_time_order(agent):
    # given
    case = make_case()
    message = add_message(case, from_name="Jan", subject="Awaria")
    note = services.case_note_add(case=case, by=agent, text="Oddzwonić jutro")
    services.case_update(
        case=fresh(case), by=agent, data={"priority": Priority.objects.get(name="High")}
    )

    # when
    text = client_for(agent).get(detail(case)).text

    # then
    tree = text[text.index('class="card case-tree"') :]
    positions = [
        tree.index("Case created"),
        tree.index(f'<a href="#message-{message.pk}" data-reveal>'),
        tree.index(f'<a href="#note-{note.pk}" data-reveal>'),
        tree.index("Changed: Priority"),
    ]
    assert positions == sorted(positions)
    assert "Jan: Awaria" in tree
    assert "Oddzwonić jutro" in tree
    assert f'<article class="note-card" id="note-{note.pk}">' in text


def test_tree_places_the_cases_calls_among_its_messages(agent):
    # given a message, then a call recorded on the case, then a note
    account = AccountFactory(name="Alfa")
    case = make_case(account=account)
    message = add_message(case, from_name="Jan", subject="Awaria")
    call = call_recorded(agent, account, case=case, result="Klient potwierdził termin wizyty.")
    note = services.case_note_add(case=case, by=agent, text="Oddzwonić jutro")

    # when
    text = client_for(agent).get(detail(case)).text

    # then the call links to its page, in its place
    tree = text[text.index('class="card case-tree"') :]
    positions = [
        tree.index(f'<a href="#message-{message.pk}" data-reveal>'),
        tree.index(f'<a href="{call.get_absolute_url()}">'),
        tree.index(f'<a href="#note-{note.pk}" data-reveal>'),
    ]
    assert positions == sorted(positions)
    assert "Phone call: Klient potwierdził termin wizyty." in tree


def test_tree_hides_a_confidential_call_from_who_may_not_see_it(agent, outsider):
    account = AccountFactory(name="Alfa")
    case = make_case(account=account)
    call = call_recorded(agent, account, case=case, result="Rabat 30%", confidential=True)
    viewer = UserFactory(username="kolega", team=agent.team, can_work_with_cases=True)
    page = client_for(viewer).get(detail(case))
    assert page.status_code == 200
    assert 'class="card case-tree"' in page.text
    assert call.get_absolute_url() not in page.text
    assert call.get_absolute_url() in client_for(agent).get(detail(case)).text


# Printing


def test_print_page_has_properties_full_messages_notes_and_history(agent):
    # given
    case = make_case("Drukarka", account=AccountFactory(name="Alfa"))
    message = add_message(
        case, text="Nowa treść\n\n> stary cytat", text_new="Nowa treść", subject="Re: Drukarka"
    )
    Attachment.objects.create(
        message=message, filename="skan.pdf", content_type="application/pdf", size=10,
        sha256="a" * 64,
    )  # fmt: skip
    services.case_note_add(case=case, by=agent, text="Notatka wewnętrzna")
    services.case_note_add(case=case, by=agent, text="Komentarz dla klienta", internal=False)
    services.case_update(
        case=fresh(case), by=agent, data={"status": Status.objects.get(name="Open")}
    )

    # when
    response = client_for(agent).get(print_url(case))

    # then
    text = response.text
    assert response.status_code == 200
    assert "Alfa" in text
    assert "Nowa treść<br><br>&gt; stary cytat" in text
    assert "skan.pdf" in text
    assert "Notatka wewnętrzna" in text
    # on paper too an internal note is told apart from a comment the customer may see
    assert re.search(r"🔒 Internal note · [^<]*</p>\s*<p>Notatka wewnętrzna", text)
    assert re.search(r"Comment · [^<]*</p>\s*<p>Komentarz dla klienta", text)
    assert "Status: New → Open" in text
    assert f'href="{print_url(case)}"' in client_for(agent).get(detail(case)).text


def test_print_for_the_customer_leaves_out_what_the_customer_side_has_not_seen(agent):
    # given: a customer's message and our answer, a forward to a supplier, the supplier's
    # answer, an internal note, a public comment, and staff-only fields
    from kartoteka.customers.models import EmailAddress

    account = AccountFactory(name="Alfa")
    jan = ContactFactory(account=account, first_name="Jan")
    EmailAddress.objects.create(contact=jan, address="jan@alfa.example")
    case = make_case("Drukarka", account=account, contacts=(jan,))
    case.annotation = "Klient trudny, uważać"
    case.save(update_fields=["annotation"])
    ours = [{"name": "Pomoc", "address": "pomoc@firma.example"}]
    add_message(case, from_address="jan@alfa.example", text="Drukarka nie drukuje.", to=ours)
    add_message(
        case, direction="out", from_address="pomoc@firma.example", text="Wymienimy toner.",
        to=[{"name": "Jan", "address": "jan@alfa.example"}],
    )  # fmt: skip
    add_message(
        case, direction="out", from_address="pomoc@firma.example", text="Prosimy o rabat 40%.",
        to=[{"name": "", "address": "handel@dostawca.example"}],
    )  # fmt: skip
    add_message(case, from_address="handel@dostawca.example", text="Rabat 35%, marża 50%.")
    services.case_note_add(case=case, by=agent, text="Notatka wewnętrzna")
    services.case_note_add(case=case, by=agent, text="Komentarz dla klienta", internal=False)

    # when
    for_customer = client_for(agent).get(print_url(case) + "?for=customer").text
    internal = client_for(agent).get(print_url(case)).text

    # then: the customer's version has only what their side has seen
    for seen in ("Drukarka nie drukuje.", "Wymienimy toner.", "Komentarz dla klienta"):
        assert seen in for_customer
    for hidden in ("rabat 40%", "marża 50%", "Notatka wewnętrzna", "Klient trudny", "History"):
        assert hidden not in for_customer
    # and the internal version still has everything, with a way to the customer's
    for everything in ("rabat 40%", "marża 50%", "Notatka wewnętrzna", "Klient trudny"):
        assert everything in internal
    assert f'href="{print_url(case)}?for=customer"' in internal
    page = client_for(agent).get(detail(case)).text
    assert f'href="{print_url(case)}?for=customer"' in page


# Performance


def _case_with_messages(agent, count: int) -> Case:
    account = AccountFactory()
    case = make_case(account=account, contacts=(ContactFactory(account=account),), assignee=agent)
    services.case_note_add(case=case, by=agent, text="Notatka")
    for n in range(count):
        message = add_message(
            case,
            text=f"Wiadomość {n}\n\n> cytat",
            text_new=f"Wiadomość {n}",
            html=f'<p>Wiadomość {n} <img src="cid:img{n}"></p>',
        )
        Attachment.objects.create(
            message=message, filename=f"obraz{n}.png", content_type="image/png", size=100,
            sha256="a" * 64, inline=True, content_id=f"img{n}",
        )  # fmt: skip
    return case


def test_page_queries_do_not_grow_with_messages(agent, django_assert_num_queries):
    # given
    few = _case_with_messages(agent, 3)
    many = _case_with_messages(agent, 30)
    client = client_for(agent)
    client.get(detail(few))  # the session and the case settings exist from here on

    # when / then: the same fixed number for 3 and for 30 messages (2 of them: its activities,
    # 1 the case's mailbox)
    with django_assert_num_queries(26) as captured_few:
        client.get(detail(few))
    with django_assert_num_queries(26) as captured_many:
        response = client.get(detail(many))
    assert len(captured_few) == len(captured_many)
    assert response.text.count('class="message-card') == 30
