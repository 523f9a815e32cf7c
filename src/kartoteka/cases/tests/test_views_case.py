from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases import services
from kartoteka.cases.models import (
    Case,
    CaseAttachment,
    CaseNote,
    CaseSettings,
    Priority,
    Status,
)
from kartoteka.core.models import FormSubmission
from kartoteka.mail.models import Attachment, Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.django_db


CREATE_URL = reverse("cases:case-create")
CASE_PAGES = ["case-detail", "case-edit", "case-delete", "case-history"]


# The case page and what it posts to are the desk's (it shows the case's mail too).
DESK_PAGES = {"case-detail", "case-note-add", "case-attachment-add", "case-attachment-share"}


def url(name: str, case: Case, *args: object) -> str:
    namespace = "desk" if name in DESK_PAGES else "cases"
    return reverse(f"{namespace}:{name}", args=[case.number, *args])


def case_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "subject": "Drukarka nie drukuje",
        "status": Status.objects.get(is_default=True).pk,
        "priority": Priority.objects.get(is_default=True).pk,
    }
    data.update(overrides)
    return data


@pytest.fixture
def hidden_case(support_team) -> Case:
    """A case of Support's restricted account, which the outsider (Sales) must not see."""
    return make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))


# Access


@pytest.mark.parametrize("name", CASE_PAGES)
def test_outsider_gets_404_on_a_case_of_a_restricted_account(outsider, hidden_case, name):
    # when
    response = client_for(outsider).get(url(name, hidden_case))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
@pytest.mark.parametrize("name", CASE_PAGES)
def test_users_without_case_rights_get_404_on_case_pages(request, persona, name):
    # given
    case = make_case()

    # when
    response = client_for(request.getfixturevalue(persona)).get(url(name, case))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
def test_users_without_case_rights_get_404_on_the_create_form(request, persona):
    # when
    response = client_for(request.getfixturevalue(persona)).get(CREATE_URL)

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["agent", "supervisor", "outsider", "manager", "admin"])
def test_case_workers_open_a_case(db, request, persona):
    # given
    case = make_case("Jawna", account=AccountFactory())

    # when
    response = client_for(request.getfixturevalue(persona)).get(url("case-detail", case))

    # then
    assert response.status_code == 200


# Create


def test_create_form_preselects_the_default_of_each_list(agent):
    # when
    response = client_for(agent).get(CREATE_URL)

    # then
    form = response.context["form"]
    assert {name: str(form[name].value()) for name in ["status", "priority", "case_type"]} == {
        "status": str(Status.objects.get(name="New").pk),
        "priority": str(Priority.objects.get(name="Normal").pk),
        "case_type": str(form.initial["case_type"].pk),
    }
    assert str(form.initial["case_type"]) == "Question"
    assert str(form.initial["category"]) == "General"
    assert str(form.initial["group"]) == "Customer service"


def test_create_saves_the_case_with_people_and_redirects_to_it(agent):
    # given
    account = AccountFactory(name="Alfa")
    jan = ContactFactory(account=account, first_name="Jan", last_name="Nowak")
    ewa = ContactFactory(account=account, first_name="Ewa", last_name="Lis")
    due = timezone.localdate() + dt.timedelta(days=3)

    # when
    response = client_for(agent).post(
        CREATE_URL,
        case_post(
            account=account.pk,
            contacts=[jan.pk, ewa.pk],
            reporter=jan.pk,
            assignee=agent.pk,
            due_date=due.isoformat(),
            annotation="VIP",
        ),
        follow=True,
    )

    # then
    case = Case.objects.get()
    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    assert (case.account, case.reporter, case.assignee, case.created_by) == (
        account,
        jan,
        agent,
        agent,
    )
    assert (case.due_date, case.annotation) == (due, "VIP")
    assert set(case.contacts.all()) == {jan, ewa}
    assert "Case “Drukarka nie drukuje” added." in response.text


def test_create_with_a_hidden_customer_is_a_form_error(outsider, support_team):
    # given
    secret = AccountFactory(name="Tajny klient", restricted=True, team=support_team)

    # when
    response = client_for(outsider).post(CREATE_URL, case_post(account=secret.pk))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "account": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert "Tajny klient" not in response.text
    assert Case.objects.count() == 0


def test_create_with_a_contact_of_another_customer_names_the_problem(agent):
    # given
    account = AccountFactory(name="Alfa")
    stranger = ContactFactory(account=AccountFactory(), first_name="Obcy", last_name="Człowiek")

    # when
    response = client_for(agent).post(
        CREATE_URL, case_post(account=account.pk, contacts=[stranger.pk], reporter=stranger.pk)
    )

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "contacts": ["Not contacts of Alfa: Obcy Człowiek."],
        "reporter": ["Obcy Człowiek is not a contact of Alfa."],
    }
    assert Case.objects.count() == 0


def test_create_with_a_past_expected_resolution_says_why(agent):
    # given
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    # when
    response = client_for(agent).post(CREATE_URL, case_post(due_date=yesterday.isoformat()))

    # then
    assert response.status_code == 400
    assert (
        "The expected resolution date is in the past; choose today or a later day." in response.text
    )


def test_create_without_subject_keeps_the_form(agent):
    # when
    response = client_for(agent).post(CREATE_URL, case_post(subject=""))

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"subject": ["This field is required."]}


def test_the_same_create_form_posted_twice_adds_one_case(agent):
    # given
    client = client_for(agent)
    data = case_post(submission_token="token-1")

    # when
    first = client.post(CREATE_URL, data)
    second = client.post(CREATE_URL, data, follow=True)

    # then
    case = Case.objects.get()
    assert (first.url, second.redirect_chain) == (
        case.get_absolute_url(),
        [(case.get_absolute_url(), 302)],
    )
    assert "This form was already sent; nothing was added twice." in second.text
    assert FormSubmission.objects.count() == 1


def test_choosing_a_customer_offers_only_its_contacts(agent):
    # given
    account = AccountFactory()
    ours = ContactFactory(account=account, first_name="Jan", last_name="Nowak")
    ContactFactory(account=AccountFactory(), first_name="Obcy", last_name="Człowiek")

    # when
    response = client_for(agent).get(
        CREATE_URL, {"account": account.pk}, headers={"HX-Request": "true"}
    )

    # then
    assert response.text.lstrip().startswith('<fieldset id="case-people"')
    assert f'value="{ours.pk}" id="id_contacts_0">\n Jan Nowak</label>' in response.text
    assert "Obcy" not in response.text


# Detail


def test_detail_shows_the_prefix_tag_properties_and_buttons(manager):
    # given
    services.case_settings()
    CaseSettings.objects.filter(pk=1).update(prefix="ACME")
    account = AccountFactory(name="Alfa")
    case = make_case("Drukarka", account=account)

    # when
    response = client_for(manager).get(url("case-detail", case))

    # then
    assert f'<h1><span class="case-tag">#{case.number}</span> Drukarka</h1>' in response.text
    assert f"<code>[ACME#{case.number}]</code>" in response.text
    assert f'<a href="{account.get_absolute_url()}">Alfa</a>' in response.text
    assert (
        f'<a class="button" href="{url("case-history", case)}" target="_blank" rel="noopener">'
        "History</a>"
    ) in response.text
    assert f'href="{url("case-delete", case)}">Delete</a>' in response.text


def test_detail_hides_delete_from_an_agent(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    assert url("case-delete", case) not in response.text


@pytest.mark.parametrize(("extra", "emails"), [(1, 2), (6, 12)])
def test_detail_query_count_does_not_grow_with_notes_files_and_emails(
    agent, extra, emails, django_assert_num_queries
):
    # given
    account = AccountFactory()
    contacts = ContactFactory.create_batch(extra, account=account)
    case = make_case(account=account, contacts=tuple(contacts), assignee=agent)
    for n in range(extra):
        services.case_note_add(case=case, by=agent, text=f"Notatka {n}")
        services.case_attachment_add(
            case=case, by=agent, file=SimpleUploadedFile(f"plik{n}.txt", b"abc")
        )
    for n in range(emails):
        message = add_message(case, text=f"Wiadomość {n}")
        Attachment.objects.create(
            message=message,
            filename=f"zalacznik{n}.pdf",
            content_type="application/pdf",
            size=2048,
            sha256="a" * 64,
        )
    client = client_for(agent)

    # when / then: session, user, the case with its lists, contacts, notes with authors,
    # attachments, messages, their attachments, the case settings, the triage count of the
    # navigation and the bell; whether the reader has news about the case (read on opening);
    # for the case tree the history records, the names of the seven related lists they
    # mention, the events and the notes; the followers with the notes' mentions; the activities
    # card's events and tasks; the mailbox the case's mail goes out from
    with django_assert_num_queries(26):
        response = client.get(url("case-detail", case))
    assert response.text.count('class="note-card"') == extra
    assert response.text.count('class="message-card') == emails
    assert response.text.count("zalacznik") == emails


def test_detail_without_emails_says_so(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    assert "No emails in this case yet." in response.text


def test_email_card_shows_the_new_text_and_folds_the_quote(agent):
    # given
    case = make_case()
    old = add_message(case, text="Pierwsza wiadomość", from_name="Jan Kowalski")
    newer = add_message(
        case,
        text="Druga <b>odpowiedź</b>\n\n> Cytat poprzedniej",
        text_new="Druga <b>odpowiedź</b>",
    )
    Attachment.objects.create(
        message=newer,
        filename="faktura.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="a" * 64,
    )

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    text = response.text
    assert "No emails in this case yet." not in text
    assert text.index(old.text) < text.index("Druga &lt;b&gt;odpowiedź&lt;/b&gt;")
    assert "Jan Kowalski &lt;klient@klient.example&gt;" in text
    assert "Pomoc &lt;pomoc@firma.example&gt;" in text
    assert '<span class="pill pill-in">Received</span>' in text
    assert "<b>odpowiedź</b>" not in text
    assert (
        '<details class="message-quote"><summary>Show quoted text</summary>'
        '<div class="message-text">Druga &lt;b&gt;odpowiedź&lt;/b&gt;<br><br>'
        "&gt; Cytat poprzedniej</div></details>"
    ) in text
    assert text.count("Show quoted text") == 1
    assert "faktura.pdf" in text
    assert "2.0\xa0KB" in text


def test_failed_outbound_email_shows_its_error(agent):
    # given
    case = make_case()
    add_message(
        case,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.FAILED,
        from_name="Pomoc",
        from_address="pomoc@firma.example",
        to=[{"name": "", "address": "klient@klient.example"}],
        text="Odpowiedź dla klienta",
        error="550 Mailbox unavailable",
    )
    add_message(
        case,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.QUEUED,
        text="Czeka w kolejce",
    )

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    text = response.text
    assert '<span class="pill pill-out">Sent</span>' not in text
    assert '<span class="pill pill-failed">Failed</span>' in text
    assert '<p class="message-error">550 Mailbox unavailable</p>' in text
    assert '<span class="pill pill-pending">Queued</span>' in text


def test_auto_reply_is_collapsed(agent):
    # given
    case = make_case()
    message = add_message(case, auto_reply=True, text="Jestem na urlopie")

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    assert (
        f'<details id="message-{message.pk}" class="message-card message-collapsed">'
        in response.text
    )
    assert '<span class="pill pill-auto">Auto-reply</span>' in response.text
    assert "Jestem na urlopie" in response.text


def test_emails_of_another_case_never_show(agent):
    # given
    case = make_case("Nasza")
    other = make_case("Cudza")
    add_message(case, text="Nasza wiadomość")
    add_message(other, text="Obca wiadomość", subject="Obcy temat")

    # when
    response = client_for(agent).get(url("case-detail", case))

    # then
    assert "Nasza wiadomość" in response.text
    assert "Obca wiadomość" not in response.text
    assert "Obcy temat" not in response.text


# Edit


def test_edit_changes_the_status_and_keeps_the_customer(agent):
    # given
    account = AccountFactory()
    case = make_case(account=account)
    opened = Status.objects.get(name="Open")

    # when
    response = client_for(agent).post(
        url("case-edit", case),
        case_post(subject="Nowy temat", status=opened.pk, account=AccountFactory().pk),
    )

    # then
    case.refresh_from_db()
    assert response.status_code == 302
    assert (case.subject, case.status, case.account) == ("Nowy temat", opened, account)


def test_edit_form_shows_the_customer_as_text(agent):
    # given
    account = AccountFactory(name="Alfa")
    case = make_case(account=account)

    # when
    response = client_for(agent).get(url("case-edit", case))

    # then
    assert 'name="account"' not in response.text
    assert f'<a href="{account.get_absolute_url()}">Alfa</a>' in response.text


# Delete


def test_manager_deletes_a_case_and_history_says_who(manager):
    # given
    case = make_case()

    # when
    response = client_for(manager).post(url("case-delete", case), follow=True)

    # then
    assert Case.objects.count() == 0
    assert f"Case #{case.number} deleted." in response.text
    assert list(Case.history.filter(history_type="-").values_list("history_user")) == [
        (manager.pk,)
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_agent_may_not_delete_a_case(agent, method):
    # given
    case = make_case()

    # when
    response = getattr(client_for(agent), method)(url("case-delete", case))

    # then
    assert response.status_code == 403
    assert Case.objects.count() == 1


# Notes


def test_htmx_note_returns_the_notes_with_the_new_one(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(
        url("case-note-add", case), {"text": "Zadzwonić jutro"}, headers={"HX-Request": "true"}
    )

    # then
    assert response.text.lstrip().startswith('<div id="notes" class="case-notes">')
    assert "<p>Zadzwonić jutro</p>" in response.text
    assert list(CaseNote.objects.values_list("text", "author")) == [("Zadzwonić jutro", agent.pk)]


def test_empty_note_says_what_to_do(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(url("case-note-add", case), {"text": "  "})

    # then
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert CaseNote.objects.count() == 0


def test_outsider_cannot_add_a_note_to_a_hidden_case(outsider, hidden_case):
    # when
    response = client_for(outsider).post(url("case-note-add", hidden_case), {"text": "Hej"})

    # then
    assert response.status_code == 404
    assert CaseNote.objects.count() == 0


# Attachments


def test_upload_then_download_keeps_the_original_name(agent):
    # given
    case = make_case()
    client = client_for(agent)

    # when
    upload = SimpleUploadedFile("Faktura źródłowa.pdf", b"%PDF-1.4", "application/pdf")
    client.post(url("case-attachment-add", case), {"file": upload})
    attachment = CaseAttachment.objects.get()
    response = client.get(url("case-attachment-download", case, attachment.pk))

    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Faktura%20%C5%BAr%C3%B3d%C5%82owa.pdf"
    )


def test_a_file_is_shown_to_the_customer_when_uploaded_so_or_later(agent):
    # given
    case = make_case()
    client = client_for(agent)

    # when: one file is attached for the customer, another kept internal, then shown
    client.post(
        url("case-attachment-add", case),
        {"file": SimpleUploadedFile("instrukcja.pdf", b"%PDF-1.4"), "shared": "on"},
    )
    client.post(url("case-attachment-add", case), {"file": SimpleUploadedFile("marza.xlsx", b"PK")})
    manual, margin = CaseAttachment.objects.order_by("pk")
    assert (manual.shared, margin.shared) == (True, False)
    response = client.post(url("case-attachment-share", case, margin.pk), {"shared": "1"})

    # then
    assert response.status_code == 302
    margin.refresh_from_db()
    assert margin.shared
    # and hidden again
    client.post(url("case-attachment-share", case, margin.pk), {"shared": "0"})
    margin.refresh_from_db()
    assert not margin.shared


def test_sharing_a_file_of_another_case_or_a_hidden_case_is_not_found(agent, outsider, hidden_case):
    # given
    case, other = make_case("Moja"), make_case("Inna")
    attachment = services.case_attachment_add(
        case=other, by=agent, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    )
    hidden = services.case_attachment_add(
        case=hidden_case, by=agent, file=SimpleUploadedFile("b.pdf", b"%PDF-1.4")
    )

    # when
    wrong_case = client_for(agent).post(
        url("case-attachment-share", case, attachment.pk), {"shared": "1"}
    )
    not_theirs = client_for(outsider).post(
        url("case-attachment-share", hidden_case, hidden.pk), {"shared": "1"}
    )
    by_get = client_for(agent).get(url("case-attachment-share", other, attachment.pk))

    # then
    assert (wrong_case.status_code, not_theirs.status_code, by_get.status_code) == (404, 404, 405)
    assert not CaseAttachment.objects.filter(shared=True).exists()


def test_too_big_upload_says_the_limit(agent, monkeypatch):
    # given
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 4)
    case = make_case()

    # when
    response = client_for(agent).post(
        url("case-attachment-add", case), {"file": SimpleUploadedFile("duzy.bin", b"12345")}
    )

    # then
    assert response.status_code == 400
    assert "The file has 5\xa0bytes; attachments may have up to 4\xa0bytes." in response.text
    assert CaseAttachment.objects.count() == 0


def test_outsider_gets_404_for_an_attachment_of_a_hidden_case(agent, outsider, hidden_case):
    # given
    attachment = services.case_attachment_add(
        case=hidden_case, by=agent, file=SimpleUploadedFile("tajne.txt", b"sekret")
    )

    # when
    response = client_for(outsider).get(url("case-attachment-download", hidden_case, attachment.pk))

    # then
    assert response.status_code == 404


def test_attachment_of_another_case_is_404(agent):
    # given
    case, other = make_case(), make_case()
    attachment = services.case_attachment_add(
        case=other, by=agent, file=SimpleUploadedFile("a.txt", b"a")
    )

    # when
    response = client_for(agent).get(url("case-attachment-download", case, attachment.pk))

    # then
    assert response.status_code == 404


# History


def test_history_page_shows_status_change_by_name_with_author_and_notes(agent, manager):
    # given
    manager.first_name, manager.last_name = "Maria", "Kierownik"
    manager.save()
    case = make_case("Drukarka", by=agent)
    services.case_update(case=case, by=manager, data={"status": Status.objects.get(name="Open")})
    services.case_note_add(case=case, by=manager, text="Klient oddzwoni")

    # when
    response = client_for(agent).get(url("case-history", case))

    # then
    text = " ".join(response.text.split())
    assert (
        '<td rowspan="1">Maria Kierownik</td> <th scope="row">Status</th> '
        '<td class="old">New</td> <td class="new">Open</td>'
    ) in text
    assert '<td colspan="2" class="history-note">Klient oddzwoni</td>' in text
    assert '<button type="button" class="print-button" data-print>Print</button>' in text


@pytest.mark.parametrize("changes", [1, 6])
def test_history_page_query_count_does_not_grow_with_changes(
    agent, changes, django_assert_num_queries
):
    # given
    case = make_case(by=agent, account=AccountFactory(), assignee=agent)
    for n in range(changes):
        services.case_update(case=case, by=agent, data={"annotation": f"Zmiana {n}"})
        services.case_note_add(case=case, by=agent, text=f"Notatka {n}")
    client = client_for(agent)

    # when / then: session, user, the case, its contacts, notes and attachments, the
    # case settings, the records, the names of statuses, priorities, types, categories,
    # groups, customers and users, then the events and the notes
    with django_assert_num_queries(19):
        response = client.get(url("case-history", case))
    # and every change and note is on the page
    assert response.status_code == 200
    assert all(f"Zmiana {n}" in response.text for n in range(changes))
    assert all(f"Notatka {n}" in response.text for n in range(changes))


def test_a_message_without_a_quote_offers_no_quoted_text(db) -> None:
    from kartoteka.mail.models import Message

    message = Message(
        text="Dzień dobry,\nproszę o fakturę.\n\n", text_new="Dzień dobry,\nproszę o fakturę."
    )
    assert message.has_quoted_part is False
    message.text += "\n> W dniu 3 listopada pisze:\n> stara wiadomość\n"
    assert message.has_quoted_part is True


@pytest.mark.parametrize(
    ("claimed", "served"),
    [
        ("text/html", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("nie/typ/wcale", "application/octet-stream"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_a_case_attachment_is_never_served_as_something_the_browser_runs(
    agent, settings, tmp_path, claimed, served
) -> None:
    # given: a file an agent uploaded, its type as the uploader's browser claimed it
    settings.MEDIA_ROOT = tmp_path
    case = make_case(by=agent)
    upload = SimpleUploadedFile("strona.html", b"<script>alert(1)</script>", content_type=claimed)
    attachment = services.case_attachment_add(case=case, by=agent, file=upload)
    # when
    response = client_for(agent).get(url("case-attachment-download", case, attachment.pk))
    # then: a download of opaque bytes, unsniffed, sandboxed if opened
    assert response.status_code == 200
    assert response.headers["Content-Type"] == served
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
