"""The customer file: one page with everything that happened with a customer, newest first,
each entry only for who may see it, paged by a cursor with a fixed number of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases import services
from kartoteka.cases.models import CaseNote
from kartoteka.customers.models import Account
from kartoteka.mail.merge import message_move
from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.django_db


def file_url(account: Account, **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("customers:account-detail", args=[account.pk]) + (f"?{query}" if query else "")


def titles(html: str) -> list[str]:
    """The entries' titles, in the page's order (without the case they belong to)."""
    heads = re.findall(r'<p class="timeline-head">\s*(.*?)</p>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", head.split('<span class="muted">')[0]).split())
            for head in heads]  # fmt: skip


@pytest.fixture
def alfa() -> Account:
    return AccountFactory(name="Alfa sp. z o.o.")


def story(account: Account, agent) -> None:
    """A case opened, the customer's email, our answer, a comment and an internal note."""
    case = make_case("Drukarka nie drukuje", account=account)
    add_message(case, subject="Przesyłka uszkodzona", text_new="Toner się wysypał.")
    add_message(case, direction="out", subject="Re: Przesyłka uszkodzona", text_new="Wymienimy.")
    services.case_note_add(case=case, by=agent, text="Komentarz dla klienta", internal=False)
    services.case_note_add(case=case, by=agent, text="Klient płaci z opóźnieniem")


def test_the_timeline_shows_everything_newest_first_with_links(agent, alfa) -> None:
    # given
    ContactFactory(account=alfa, first_name="Jan", last_name="Kowal")
    story(alfa, agent)
    # when
    response = client_for(agent).get(file_url(alfa))
    # then
    assert response.status_code == 200
    shown = titles(response.text)
    case_opened = next(t for t in shown if t.startswith("Case #"))
    assert shown == [
        "Internal note",
        "Comment",
        "Re: Przesyłka uszkodzona",
        "Przesyłka uszkodzona",
        case_opened,
        "Contact added: Jan Kowal",
        "Customer added",
    ]
    assert case_opened.endswith("opened: Drukarka nie drukuje")
    assert "Klient płaci z opóźnieniem" in response.text
    assert 'href="/cases/' in response.text
    assert "Open cases" in response.text


def test_entries_come_newest_first(agent, alfa) -> None:
    case = make_case("Stara sprawa", account=alfa)
    now = timezone.now()
    for days, subject in ((3, "Najstarszy"), (1, "Najnowszy"), (2, "Środkowy")):
        message = add_message(case, subject=subject)
        Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(days=days))
    shown = titles(client_for(agent).get(file_url(alfa, tab="correspondence")).text)
    assert shown == ["Najnowszy", "Środkowy", "Najstarszy"]


def test_a_user_without_case_rights_sees_the_customer_but_no_case_mail_or_note(
    clerk, agent, alfa
) -> None:
    story(alfa, agent)
    text = client_for(clerk).get(file_url(alfa)).text
    for hidden in ("Przesyłka", "Komentarz dla klienta", "Klient płaci", "Drukarka"):
        assert hidden not in text
    assert "Customer added" in text


def test_a_restricted_customer_is_404_for_an_outsider(outsider, support_team, agent) -> None:
    hidden = AccountFactory(restricted=True, team=support_team)
    story(hidden, agent)
    assert client_for(outsider).get(file_url(hidden)).status_code == 404


def test_tabs_narrow_the_timeline(agent, alfa) -> None:
    story(alfa, agent)
    client = client_for(agent)
    correspondence = titles(client.get(file_url(alfa, tab="correspondence")).text)
    assert correspondence == [
        "Re: Przesyłka uszkodzona",
        "Przesyłka uszkodzona",
    ]
    cases = titles(client.get(file_url(alfa, tab="cases")).text)
    assert [case.split(": ", 1)[1] for case in cases] == ["Drukarka nie drukuje"]
    history = titles(client.get(file_url(alfa, tab="history")).text)
    assert history == ["Customer added"]


def test_the_search_box_finds_without_polish_letters(agent, alfa) -> None:
    story(alfa, agent)
    shown = titles(client_for(agent).get(file_url(alfa, q="przesylka")).text)
    assert sorted(shown) == [
        "Przesyłka uszkodzona",
        "Re: Przesyłka uszkodzona",
    ]


def test_the_search_box_finds_words_by_their_beginning_and_only_this_customers_items(
    agent, alfa
) -> None:
    story(alfa, agent)
    other = make_case("Przesyłka do innego klienta", account=AccountFactory(name="Beta"))
    add_message(other, subject="Przesyłka zaginęła")
    shown = titles(client_for(agent).get(file_url(alfa, q="przesyl")).text)
    assert sorted(shown) == ["Przesyłka uszkodzona", "Re: Przesyłka uszkodzona"]


def test_the_search_box_reads_a_word_as_a_beginning_only_when_the_whole_word_finds_nothing(
    agent, alfa
) -> None:
    case = make_case("Rozliczenia", account=alfa)
    add_message(case, subject="Faktura za maj")
    add_message(case, subject="Zaległe faktury")
    client = client_for(agent)
    assert titles(client.get(file_url(alfa, q="faktura")).text) == ["Faktura za maj"]
    found = titles(client.get(file_url(alfa, q="faktur")).text)
    assert sorted(found) == ["Faktura za maj", "Zaległe faktury"]


def test_the_search_box_finds_a_message_moved_in_from_another_customer(agent, alfa) -> None:
    beta_case = make_case("Reklamacja", account=AccountFactory(name="Beta"))
    elsewhere = add_message(beta_case, subject="Zwrot towaru")
    target = make_case("Zwroty", account=alfa)
    message_move(message=elsewhere, target=target, by=agent, from_case=beta_case.number)
    shown = titles(client_for(agent).get(file_url(alfa, q="zwrot towaru")).text)
    assert shown == ["Zwrot towaru"]


def test_filters_by_case_contact_and_user(agent, manager, alfa) -> None:
    jan = ContactFactory(account=alfa, first_name="Jan")
    with_jan = make_case("Sprawa Jana", account=alfa, contacts=(jan,))
    make_case("Inna sprawa", account=alfa)
    services.case_note_add(case=with_jan, by=manager, text="Notatka kierownika")
    client = client_for(agent)
    by_case = titles(client.get(file_url(alfa, case=str(with_jan.number))).text)
    assert by_case == ["Internal note", f"Case #{with_jan.number} opened: Sprawa Jana"]
    by_contact = titles(client.get(file_url(alfa, tab="cases", contact=str(jan.pk))).text)
    assert by_contact == [f"Case #{with_jan.number} opened: Sprawa Jana"]
    by_user = titles(client.get(file_url(alfa, user=str(manager.pk))).text)
    assert by_user == ["Internal note"]


def test_the_date_filter_takes_whole_days_in_the_readers_time_zone(agent, alfa) -> None:
    # given: emails around 10 March 2026 in Warsaw (UTC+1): 23:59 the day before, the first
    # and the last minute of the day, and 00:00 the day after
    case = make_case("Terminy", account=alfa)
    warsaw = ZoneInfo("Europe/Warsaw")
    for subject, moment in (
        ("Dzień przed", datetime(2026, 3, 9, 23, 59, tzinfo=warsaw)),
        ("Pierwsza minuta", datetime(2026, 3, 10, 0, 0, tzinfo=warsaw)),
        ("Ostatnia minuta", datetime(2026, 3, 10, 23, 59, 59, tzinfo=warsaw)),
        ("Dzień po", datetime(2026, 3, 11, 0, 0, tzinfo=warsaw)),
    ):
        message = add_message(case, subject=subject)
        Message.objects.filter(pk=message.pk).update(created_at=moment)
    client = client_for(agent)
    # when: the file is filtered to that day
    one_day = file_url(alfa, tab="correspondence", since="2026-03-10", until="2026-03-10")
    # then: the two emails of the day, not their neighbours
    assert titles(client.get(one_day).text) == ["Ostatnia minuta", "Pierwsza minuta"]
    # and the first and last days of the calendar bound nothing (no overflow)
    everything = file_url(alfa, tab="correspondence", since="0001-01-01", until="9999-12-31")
    assert len(titles(client.get(everything).text)) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-02-31"},
        {"case": "abc"},
        {"contact": "999999"},
        {"kind": "nonsense"},
        {"before": "not-a-cursor"},
        {"before": "2026-01-01T00:00:00~email_in~1~2"},
        {"q": "x" * 500},
    ],
)
def test_bad_filters_are_named_and_the_page_still_shows(agent, alfa, params) -> None:
    story(alfa, agent)
    response = client_for(agent).get(file_url(alfa, **params))
    assert response.status_code == 200
    assert titles(response.text)


def test_older_pages_follow_the_cursor_without_gaps_or_repeats(agent, alfa) -> None:
    # given: 120 emails, some at the same moment
    case = make_case("Długa korespondencja", account=alfa)
    moment = timezone.now() - timedelta(days=1)
    for n in range(120):
        message = add_message(case, subject=f"Wiadomość {n:03d}")
        Message.objects.filter(pk=message.pk).update(created_at=moment - timedelta(minutes=n // 3))
    client = client_for(agent)
    url = file_url(alfa, tab="correspondence")
    seen: list[str] = []
    # when: "Older" is followed to the end
    for _ in range(5):
        html = client.get(url).text
        seen += titles(html)
        older = re.search(r'href="([^"]*before=[^"]*)" rel="next"', html)
        if older is None:
            break
        url = reverse("customers:account-detail", args=[alfa.pk]) + older.group(1).replace(
            "&amp;", "&"
        )
    # then: each once, newest first
    assert len(seen) == 120
    assert len(set(seen)) == 120


def test_older_pages_merge_every_kind_without_gaps_or_repeats_at_equal_moments(agent, alfa) -> None:
    # given: emails in and out, comments and internal notes, many at the very same moments
    case = make_case("Mieszana historia", account=alfa)
    moment = timezone.now() - timedelta(days=1)
    for n in range(45):
        at = moment - timedelta(minutes=n // 4)
        inbound = add_message(case, subject=f"Od klienta {n:02d}")
        outbound = add_message(case, direction="out", subject=f"Do klienta {n:02d}")
        Message.objects.filter(pk__in=[inbound.pk, outbound.pk]).update(created_at=at)
        comment = services.case_note_add(case=case, by=agent, text=f"k{n}", internal=False)
        note = services.case_note_add(case=case, by=agent, text=f"n{n}")
        CaseNote.objects.filter(pk__in=[comment.pk, note.pk]).update(created_at=at)
    client = client_for(agent)
    url = file_url(alfa)
    seen: list[str] = []
    # when: "Older" is followed to the end
    for _ in range(10):
        html = client.get(url).text
        seen += [
            f"{entry}{text}"
            for entry, text in re.findall(
                r'<p class="timeline-head">\s*(.*?)</p>.*?(?:<p class="timeline-text">(.*?)</p>)?'
                r"\s*</div>",
                html,
                re.S,
            )
        ]
        older = re.search(r'href="([^"]*before=[^"]*)" rel="next"', html)
        if older is None:
            break
        url = reverse("customers:account-detail", args=[alfa.pk]) + older.group(1).replace(
            "&amp;", "&"
        )
    # then: the 180 entries, the case opened and the customer added, each once
    assert len(seen) == 182
    assert len(set(seen)) == 182


def test_the_page_makes_the_same_queries_for_10_and_100_emails(
    agent, alfa, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = make_case("Korespondencja", account=alfa)

    def queries() -> int:
        client = client_for(agent)
        client.get(file_url(alfa))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(file_url(alfa)).status_code == 200
        return len(captured)

    for n in range(10):
        add_message(case, subject=f"A {n}")
    few = queries()
    for n in range(90):
        add_message(case, subject=f"B {n}")
    assert queries() == few


def test_the_contact_page_shows_the_file_narrowed_to_the_contact(agent, alfa) -> None:
    jan = ContactFactory(account=alfa, first_name="Jan", last_name="Nowak")
    with_jan = make_case("Sprawa Jana", account=alfa, contacts=(jan,))
    add_message(with_jan, subject="Pytanie Jana")
    other = make_case("Sprawa Ewy", account=alfa)
    add_message(other, subject="Pytanie Ewy")
    response = client_for(agent).get(reverse("customers:contact-detail", args=[jan.pk]))
    shown = titles(response.text)
    assert shown == [
        "Pytanie Jana",
        f"Case #{with_jan.number} opened: Sprawa Jana",
        "Contact added: Jan Nowak",
    ]


def test_the_documents_tab_offers_to_add_one_for_this_customer(agent, alfa) -> None:
    text = client_for(agent).get(file_url(alfa, tab="documents")).text
    assert f'href="/documents/new/?account={alfa.pk}"' in text
    assert f'href="/documents/?account={alfa.pk}"' in text


def test_email_attachments_are_documents_of_the_file_without_a_copy(clerk, agent, alfa) -> None:
    from kartoteka.mail.models import Attachment

    # given: the customer's email with an invoice and an inline logo
    message = add_message(make_case("Faktury", account=alfa), subject="Faktura za listopad")
    invoice = Attachment.objects.create(
        message=message, filename="FV-2026-11.pdf", content_type="application/pdf", size=10,
        sha256="c" * 64,
    )  # fmt: skip
    Attachment.objects.create(
        message=message, filename="logo.png", content_type="image/png", size=5,
        sha256="d" * 64, inline=True, content_id="logo",
    )  # fmt: skip
    # when
    text = client_for(agent).get(file_url(alfa, tab="documents")).text
    # then: the invoice is there, linked to its download; the logo is part of the email's body
    assert titles(text) == ["FV-2026-11.pdf"]
    assert f'href="/mail/attachments/{invoice.pk}/"' in text
    # and whoever may not see the customer's mail sees no trace of it
    assert "FV-2026-11.pdf" not in client_for(clerk).get(file_url(alfa, tab="documents")).text


def test_the_search_box_finds_an_email_attachment_by_its_name(agent, alfa) -> None:
    from kartoteka.mail.models import Attachment
    from kartoteka.mail.search_entries import message_index

    message = add_message(make_case("Faktury", account=alfa), subject="Dokumenty do zapłaty")
    Attachment.objects.create(
        message=message, filename="Korekta-FV-2026-11.pdf", content_type="application/pdf",
        size=10, sha256="c" * 64,
    )  # fmt: skip
    message_index(message)  # as the storing services do once its attachments are known
    shown = titles(client_for(agent).get(file_url(alfa, q="korekta", tab="documents")).text)
    assert shown == ["Korekta-FV-2026-11.pdf"]
    assert titles(client_for(agent).get(file_url(alfa, q="dokumenty", tab="documents")).text) == []
