"""Global search: what it finds, in which order, for whom — through the services that keep the
index in step (no test writes the index by hand)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kartoteka.cases.services import case_delete, case_note_add, case_update
from kartoteka.core import search_index
from kartoteka.core.search_index import index_count, index_fill_if_empty, index_repair
from kartoteka.customers.models import Account
from kartoteka.customers.services import account_create, contact_create, contact_update
from kartoteka.desk.privacy.erase import contact_erase
from kartoteka.documents.tests.conftest import make_document, upload
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.search import selectors
from kartoteka.search.selectors import global_search
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory, valid_nip, valid_regon

pytestmark = pytest.mark.django_db


def titles(result, kind: str) -> list[str]:
    return [
        found.hit.title for group in result.groups if group.kind == kind for found in group.hits
    ]


def kinds(result) -> list[str]:
    return [group.kind for group in result.groups]


def received(mailbox, *, subject: str, body: str, sender: str = "anna@klient.example") -> int:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailbox.address
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((subject, body)))}@klient.example>"
    message.set_content(body)
    return message_receive(raw=message.as_bytes(), mailbox=mailbox, source="test").message_pk


# Words: case and accents


def test_a_word_typed_without_polish_letters_finds_it_with_them(agent) -> None:
    # given
    make_case("Przesyłka z Łodzi nie dotarła", by=agent)
    # when
    result = global_search(user=agent, text="PRZESYLKA lodzi")
    # then
    assert titles(result, "case")[0].endswith("Przesyłka z Łodzi nie dotarła")


def test_the_last_word_is_a_prefix_and_every_word_must_match(agent) -> None:
    make_case("Reklamacja drukarki", by=agent)
    make_case("Reklamacja faktury", by=agent)

    assert [
        t.split(" ", 1)[1]
        for t in titles(global_search(user=agent, text="reklamacja druk"), "case")
    ] == ["Reklamacja drukarki"]


def test_a_beginning_finds_a_word_indexed_after_the_same_beginning_was_searched(agent) -> None:
    # given: "faktur" searched once (on SQLite its words are looked up and kept)
    make_case("Faktura korygująca", by=agent)
    first = global_search(user=agent, text="faktur")
    # when: a new word with that beginning is indexed
    make_case("Fakturowanie zbiorcze", by=agent)
    # then: the next search finds it too
    assert [t.split(" ", 1)[1] for t in titles(first, "case")] == ["Faktura korygująca"]
    assert sorted(
        t.split(" ", 1)[1] for t in titles(global_search(user=agent, text="faktur"), "case")
    ) == ["Faktura korygująca", "Fakturowanie zbiorcze"]


def test_a_beginning_of_very_many_words_is_still_found(agent, monkeypatch) -> None:
    monkeypatch.setattr(search_index, "BEGINNINGS_MAX", 1)
    make_case("Faktura korygująca", by=agent)
    make_case("Fakturowanie zbiorcze", by=agent)
    assert len(titles(global_search(user=agent, text="faktur"), "case")) == 2


def test_the_excerpt_marks_the_words_found_in_the_original_spelling(agent) -> None:
    make_case("Dostawa", by=agent, description="Klient pyta, gdzie jest przesyłka numer 7.")

    found = global_search(user=agent, text="przesylka").groups[0].hits[0]

    assert ("przesyłka", True) in found.excerpt


# Identifiers


def test_a_case_number_in_every_spelling_finds_the_case_first(agent) -> None:
    # given a case, and a later one whose description names the first one's number
    case = make_case("Awaria serwera", by=agent)
    make_case("Pytanie", by=agent, description=f"Dotyczy sprawy {case.number}")
    for text in (
        str(case.number),
        f"#{case.number}",
        f"[ACME#{case.number}]",
        f"KART#{case.number}",
    ):
        # when
        result = global_search(user=agent, text=text)
        # then
        first = result.groups[0]
        assert (first.kind, first.hits[0].hit.object_id, first.hits[0].exact) == (
            "case",
            case.pk,
            True,
        ), text


def test_a_nip_and_regon_in_any_spelling_find_the_customer(agent) -> None:
    nip, regon = valid_nip(3), valid_regon(3)
    account_create(by=agent, data={"name": "Drukpol", "nip": nip, "regon": regon})
    spaced = f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    for text in (nip, spaced, f"PL {spaced}", f"PL{nip}", f"{regon[:3]} {regon[3:6]} {regon[6:]}"):
        result = global_search(user=agent, text=text)
        assert (kinds(result)[:1], titles(result, "account")) == (["account"], ["Drukpol"]), text


def test_a_phone_number_in_any_format_finds_the_contact(agent) -> None:
    contact_create(
        by=agent,
        data={"first_name": "Anna", "last_name": "Nowak"},
        phones=[("601 234 567", "mobile")],
    )
    for text in ("+48 601-234-567", "601234567", "0048601234567", "(601) 234 567", "+48601234567"):
        result = global_search(user=agent, text=text)
        assert titles(result, "contact") == ["Anna Nowak"], text
        assert result.groups[0].hits[0].exact is True


def test_an_email_address_finds_its_contact_and_the_mail_from_it(agent, mailbox) -> None:
    contact_create(
        by=agent, data={"first_name": "Anna", "last_name": "Nowak"}, emails=["anna@klient.example"]
    )
    received(mailbox, subject="Zamówienie", body="Proszę o ofertę.")

    result = global_search(user=agent, text="Anna@Klient.example")

    assert (titles(result, "contact"), titles(result, "message")) == (
        ["Anna Nowak"],
        ["Zamówienie"],
    )


# Messages, notes, documents


def test_the_new_text_of_a_message_is_found_and_its_quoted_history_is_not(agent, mailbox) -> None:
    received(
        mailbox,
        subject="Re: Dostawa",
        body=(
            "Paczka wciąż nie dotarła.\n\n"
            "On Mon, Anna wrote:\n> Stary tekst o fakturze korygującej\n"
        ),
    )

    assert titles(global_search(user=agent, text="paczka wciaz"), "message") == ["Re: Dostawa"]
    assert global_search(user=agent, text="korygujacej").groups == []


def test_an_internal_note_is_found_by_staff(agent) -> None:
    case = make_case("Serwis", by=agent)
    case_note_add(case=case, by=agent, text="Klient woli kontakt telefoniczny po 16:00")

    assert titles(global_search(user=agent, text="telefoniczny"), "note") == [
        f"Internal note on #{case.number}"
    ]


def test_a_document_is_found_by_the_text_of_its_file(
    agent, django_capture_on_commit_callbacks
) -> None:
    # given a document whose file's text is extracted after commit
    account = AccountFactory(name="Drukpol")
    with django_capture_on_commit_callbacks(execute=True):
        make_document(
            by=agent,
            account=account,
            title="Umowa serwisowa",
            files=[upload(data=b"Kara umowna 5%")],
        )

    assert titles(global_search(user=agent, text="kara umowna"), "document") == ["Umowa serwisowa"]


# Who sees what


def test_a_confidential_document_shows_nothing_to_whom_it_does_not_name(agent, outsider) -> None:
    # given a confidential document of a customer both agents see
    account = AccountFactory(name="Drukpol")
    make_document(by=agent, account=account, title="Poufna umowa", confidential=True)
    # when the other agent searches its title
    hidden = global_search(user=outsider, text="poufna umowa")
    # then nothing of it shows: no group, no title, no count
    assert (hidden.groups, hidden.total) == ([], 0)
    assert titles(global_search(user=agent, text="poufna umowa"), "document") == ["Poufna umowa"]


def test_cases_of_another_teams_restricted_customer_are_not_found(
    agent, outsider, support_team
) -> None:
    account = AccountFactory(name="Tajna", restricted=True, team=support_team)
    make_case("Zlecenie specjalne", by=agent, account=account)

    assert global_search(user=outsider, text="zlecenie specjalne").groups == []
    assert len(titles(global_search(user=agent, text="zlecenie specjalne"), "case")) == 1


def test_a_user_who_sees_little_still_gets_the_older_hit_they_may_see(
    agent, outsider, support_team, monkeypatch
) -> None:
    # given one visible case, then more newer hidden ones than a round of candidates holds
    monkeypatch.setattr(selectors, "CANDIDATES", 5)
    visible = make_case("Kalibracja wagi", by=agent)
    hidden = AccountFactory(name="Tajna", restricted=True, team=support_team)
    for _ in range(12):
        make_case("Kalibracja wagi", by=agent, account=hidden)
    # when the outsider searches
    result = global_search(user=outsider, text="kalibracja")
    # then the older visible case is found after the hidden ones were passed over
    assert [found.hit.object_id for found in result.groups[0].hits] == [visible.pk]


def test_portal_users_find_nothing(portal_user, agent) -> None:
    make_case("Drukarka", by=agent)

    assert global_search(user=portal_user, text="drukarka").groups == []


# Grouping


def test_hits_are_grouped_by_kind_with_a_few_each_and_more_of_a_kind(agent, monkeypatch) -> None:
    for number in range(7):
        make_case(f"Toner {number}", by=agent)
    contact_create(by=agent, data={"first_name": "Tomasz", "last_name": "Toner"})

    result = global_search(user=agent, text="toner")

    assert [(g.kind, len(g.hits), g.more) for g in result.groups] == [
        ("case", 5, True),
        ("contact", 1, False),
    ]
    assert (
        len(titles(global_search(user=agent, text="toner", kind="case", per_kind=50), "case")) == 7
    )


# Kept in step by the services


def test_editing_a_subject_replaces_its_words(agent) -> None:
    case = make_case("Stara nazwa", by=agent)

    case_update(case=case, by=agent, data={"subject": "Nowy temat"})

    assert global_search(user=agent, text="stara").groups == []
    assert titles(global_search(user=agent, text="nowy temat"), "case") == [
        f"#{case.number} Nowy temat"
    ]


def test_a_deleted_case_and_its_notes_leave_the_index(agent, admin) -> None:
    case = make_case("Usuwana sprawa", by=agent)
    case_note_add(case=case, by=agent, text="Notatka usuwana")

    case_delete(case=case, by=admin)

    assert global_search(user=admin, text="usuwana").groups == []
    assert (index_count("case"), index_count("note")) == (0, 0)


def test_a_changed_phone_is_found_by_the_new_number_only(agent) -> None:
    contact = contact_create(
        by=agent, data={"last_name": "Nowak"}, phones=[("601 234 567", "mobile")]
    )

    contact_update(contact=contact, by=agent, data={}, phones=[("602 000 111", "mobile")])

    assert global_search(user=agent, text="601234567").groups == []
    assert titles(global_search(user=agent, text="602 000 111"), "contact") == ["Nowak"]


def test_an_erased_contact_is_no_longer_found_by_name_or_address(manager) -> None:
    contact = contact_create(
        by=manager,
        data={"first_name": "Zofia", "last_name": "Wiśniewska"},
        emails=["zofia@klient.example"],
    )

    contact_erase(contact=contact, by=manager)

    assert global_search(user=manager, text="wisniewska").groups == []
    assert global_search(user=manager, text="zofia@klient.example").groups == []


# Rebuilding


def test_the_rebuild_command_indexes_rows_written_past_the_services(agent, capsys) -> None:
    # given rows the services did not write (a restore, a bulk load)
    AccountFactory(name="Hurtownia Żółw", nip=valid_nip(9))
    ContactFactory(first_name="Łukasz", last_name="Źródło", account=None)
    with pytest.raises(CommandError, match="out of step: account, contact"):
        call_command("search_rebuild", "--check")
    # when
    call_command("search_rebuild")
    # then
    assert titles(global_search(user=agent, text="hurtownia zolw"), "account") == ["Hurtownia Żółw"]
    assert titles(global_search(user=agent, text="lukasz zrodlo"), "contact") == ["Łukasz Źródło"]
    call_command("search_rebuild", "--check")
    assert "account: 1 entries, 1 objects" in capsys.readouterr().out


def test_rebuilding_one_kind_leaves_the_others(agent) -> None:
    make_case("Zostaje", by=agent)
    Account.objects.create(name="Nowy klient")

    call_command("search_rebuild", kind=["account"])

    assert kinds(global_search(user=agent, text="zostaje")) == ["case"]
    assert kinds(global_search(user=agent, text="nowy klient")) == ["account"]


def test_triggers_lost_to_a_table_rebuild_are_put_back_after_migrate(agent) -> None:
    # given SQLite lost the index's triggers, as when a migration rebuilds the entry table
    if connection.vendor != "sqlite":
        pytest.skip("the triggers keep SQLite's FTS5 table in step")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_searchentry_fts_insert")
    # when the hook after migrate runs
    index_repair(using=connection.alias)
    # then new entries are found again
    make_case("Naprawiony indeks", by=agent)
    assert kinds(global_search(user=agent, text="naprawiony")) == ["case"]


def test_the_first_migrate_with_data_from_before_the_index_writes_it(agent) -> None:
    # given data stored before the index existed (its entries missing)
    AccountFactory(name="Stary Klient")
    # when migrate's hook runs
    index_fill_if_empty(using=connection.alias, verbosity=0)
    # then it is found; the hook leaves a non-empty index alone
    assert kinds(global_search(user=agent, text="stary klient")) == ["account"]
    Account.objects.create(name="Nowszy Klient")
    index_fill_if_empty(using=connection.alias, verbosity=0)
    assert global_search(user=agent, text="nowszy klient").groups == []
