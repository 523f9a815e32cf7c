"""Merging two accounts (``customers.merge.account_merge``): fields, rows of every app,
unique clashes, histories, rights and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kartoteka.activities.models import Event, Task, Thread
from kartoteka.activities.services import NextTask
from kartoteka.cases.models import Case, CaseNote
from kartoteka.cases.services import case_note_add
from kartoteka.core.models import Dictionary, DictionaryEntry, SearchEntry
from kartoteka.core.search_index import entry_id
from kartoteka.customers.merge import Relation, account_merge, account_relations
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.customers.services import account_create, contact_create
from kartoteka.documents.models import Document, DocumentType
from kartoteka.documents.services import document_create
from kartoteka.mail.models import Message
from kartoteka.testing.activities import call_recorded, event_type
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    SegmentFactory,
)
from kartoteka.testing.workflows import make_received

pytestmark = pytest.mark.django_db


def two_accounts(**merged_fields: object) -> tuple[Account, Account]:
    kept = AccountFactory(name="Drukpol Sp. z o.o.", nip="5260250274", city="Łódź", phone="")
    merged = AccountFactory(
        **{"name": "DRUKPOL", "nip": "5260250274", "city": "Lodz", "phone": "+48226236000"}
        | merged_fields
    )
    return kept, merged


def a_document(by, account) -> Document:
    return document_create(
        by=by,
        account=account,
        document_type=DocumentType.objects.get(name="Offer"),
        title="Oferta",
        files=[SimpleUploadedFile("oferta.txt", b"Oferta na drukarki")],
    )


# Fields


def test_kept_values_stay_and_its_empty_fields_take_the_merged_ones(agent) -> None:
    # given
    kept, merged = two_accounts(website="https://drukpol.example", street="Piotrkowska 1")
    kept.street = kept.postal_code = kept.city = ""
    kept.save()
    # when
    result = account_merge(by=agent, kept=kept, merged=merged)
    # then
    kept.refresh_from_db()
    assert (kept.name, kept.city, kept.phone, kept.website, kept.street) == (
        "Drukpol Sp. z o.o.",
        "Lodz",  # the address comes whole from the merged account: the kept one had none
        "+48226236000",
        "https://drukpol.example",
        "Piotrkowska 1",
    )
    assert result.kept == kept
    assert Account.objects.filter(pk=merged.pk).exists() is False


def test_the_caller_chooses_each_field(agent, manager) -> None:
    # given
    kept, merged = two_accounts(kind=Account.Kind.LEAD, manager=manager)
    kept.notes, merged.notes = "Stały klient.", "Pyta o rabat."
    kept.save()
    merged.save()
    # when
    account_merge(
        by=agent,
        kept=kept,
        merged=merged,
        fields={"name": "merged", "kind": "merged", "notes": "both"},
    )
    # then
    kept.refresh_from_db()
    assert (kept.name, kept.kind, kept.notes, kept.manager) == (
        "DRUKPOL",
        Account.Kind.LEAD,
        "Stały klient.\n\nPyta o rabat.",
        manager,  # the kept account had none: its empty field takes the merged one's
    )


def test_an_unknown_field_or_side_is_refused_and_nothing_changes(agent) -> None:
    # given
    kept, merged = two_accounts()
    # when
    with pytest.raises(ValidationError) as raised:
        account_merge(
            by=agent, kept=kept, merged=merged, fields={"created_by": "merged", "name": "both"}
        )
    # then
    assert raised.value.message_dict == {
        "fields": ["created_by is not a field a merge can choose."],
        "name": ["Choose the value of the kept or of the merged account."],
    }
    assert Account.objects.filter(pk=merged.pk).exists() is True


def test_an_account_cannot_be_merged_with_itself(agent) -> None:
    # given
    kept = AccountFactory()
    # when
    with pytest.raises(ValidationError) as raised:
        account_merge(by=agent, kept=kept, merged=kept)
    # then
    assert raised.value.messages == [
        "An account cannot be merged with itself; choose another account."
    ]
    assert Account.objects.filter(pk=kept.pk).exists() is True


# Rows of every app


def test_rows_of_every_app_move_to_the_kept_account(agent) -> None:
    # given
    kept, merged = two_accounts()
    contact = contact_create(
        by=agent,
        data={"account": merged, "first_name": "Anna", "last_name": "Nowak"},
        emails=["anna@drukpol.example"],
    )
    shared = EmailAddressFactory(contact=None, account=merged, address="biuro@drukpol.example")
    case = make_case(by=agent, account=merged, contacts=(contact,))
    note = case_note_add(case=case, by=agent, text="Oddzwonić")
    message = make_received(case, None, subject="Drukarka")
    document = a_document(agent, merged)
    event = call_recorded(agent, merged, next_in=timedelta(days=2))
    task = Task.objects.get(account=merged)
    thread = Thread.objects.get(account=merged)
    # when
    result = account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert Contact.objects.get(pk=contact.pk).account_id == kept.pk
    assert list(EmailAddress.objects.filter(contact=contact).values_list("address", flat=True)) == [
        "anna@drukpol.example"
    ]
    assert EmailAddress.objects.get(pk=shared.pk).account_id == kept.pk
    assert Case.objects.get(pk=case.pk).account_id == kept.pk
    assert CaseNote.objects.get(pk=note.pk).account_id == kept.pk
    assert Message.objects.get(pk=message.pk).account_id == kept.pk
    assert Document.objects.get(pk=document.pk).account_id == kept.pk
    assert Event.objects.get(pk=event.pk).account_id == kept.pk
    assert Task.objects.get(pk=task.pk).account_id == kept.pk
    assert Thread.objects.get(pk=thread.pk).account_id == kept.pk
    assert result.moved == {
        "customers.contact": 1,
        "customers.emailaddress": 1,
        "cases.case": 1,
        "cases.casenote": 1,
        "mail.message": 1,
        "documents.document": 1,
        "activities.thread": 1,
        "activities.event": 1,
        "activities.task": 1,
    }


def test_every_foreign_key_to_account_is_found_but_not_the_history_tables() -> None:
    # when
    labels = {relation.label for relation in account_relations()}
    # then
    assert {
        "customers.contact",
        "customers.emailaddress",
        "customers.account_segments",
        "customers.account_classifications",
        "cases.case",
        "cases.casenote",
        "mail.message",
        "documents.document",
        "activities.thread",
        "activities.event",
        "activities.task",
    } <= labels
    assert not any(".historical" in label for label in labels)


def test_a_case_keeps_its_contacts_and_its_history_shows_the_new_account(agent) -> None:
    # given
    kept, merged = two_accounts()
    contact = ContactFactory(account=merged)
    case = make_case(by=agent, account=merged, contacts=(contact,))
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    case.refresh_from_db()
    assert list(case.contacts.all()) == [contact]
    latest = case.history.order_by("-history_id").first()
    assert (latest.account_id, latest.history_user, latest.history_change_reason) == (
        kept.pk,
        agent,
        f"Moved from “DRUKPOL” (#{merged.pk}) by a merge",
    )


# Unique rules


def test_a_segment_both_have_is_kept_once_and_the_others_are_joined(agent) -> None:
    # given
    kept, merged = two_accounts()
    vip, print_, new = SegmentFactory(name="VIP"), SegmentFactory(name="Druk"), SegmentFactory()
    kept.segments.set([vip, print_])
    merged.segments.set([vip, new])
    # when
    result = account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert sorted(kept.segments.values_list("name", flat=True)) == sorted(["VIP", "Druk", new.name])
    assert result.dropped == {"customers.account_segments": 1}


def test_classifications_are_joined_and_a_single_choice_keeps_the_kept_value(agent) -> None:
    # given
    size = Dictionary.objects.create(name="Wielkość", applies_to="account", multiple=False)
    tags = Dictionary.objects.create(name="Tagi", applies_to="account", multiple=True)
    small = DictionaryEntry.objects.create(dictionary=size, label="Mała")
    big = DictionaryEntry.objects.create(dictionary=size, label="Duża")
    red = DictionaryEntry.objects.create(dictionary=tags, label="Czerwony")
    blue = DictionaryEntry.objects.create(dictionary=tags, label="Niebieski")
    kept, merged = two_accounts()
    kept.classifications.set([small, red])
    merged.classifications.set([big, red, blue])
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert sorted(kept.classifications.values_list("label", flat=True)) == [
        "Czerwony",
        "Mała",
        "Niebieski",
    ]


def test_the_merged_single_choice_value_fills_an_empty_one(agent) -> None:
    # given
    size = Dictionary.objects.create(name="Wielkość", applies_to="account", multiple=False)
    big = DictionaryEntry.objects.create(dictionary=size, label="Duża")
    kept, merged = two_accounts()
    merged.classifications.set([big])
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert list(kept.classifications.all()) == [big]


def test_shared_addresses_of_both_stay_unique_and_move(agent) -> None:
    # given
    kept, merged = two_accounts()
    EmailAddressFactory(contact=None, account=kept, address="biuro@drukpol.example")
    EmailAddressFactory(contact=None, account=merged, address="sekretariat@drukpol.example")
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert sorted(kept.shared_emails.values_list("address", flat=True)) == [
        "biuro@drukpol.example",
        "sekretariat@drukpol.example",
    ]


def test_a_legal_hold_of_either_account_stays(agent) -> None:
    # given
    kept, merged = two_accounts(legal_hold=True)
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    kept.refresh_from_db()
    assert kept.legal_hold is True


# Histories and search


def test_both_histories_record_the_merge(agent) -> None:
    # given
    kept, merged = two_accounts()
    merged_pk = merged.pk
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    kept_record = Account.history.filter(id=kept.pk).order_by("-history_id").first()
    merged_record = Account.history.filter(id=merged_pk).order_by("-history_id").first()
    assert (
        kept_record.history_type,
        kept_record.history_user,
        kept_record.history_change_reason,
    ) == ("~", agent, f"Merged with “DRUKPOL” (#{merged_pk})")
    assert (
        merged_record.history_type,
        merged_record.history_user,
        merged_record.history_change_reason,
    ) == ("-", agent, f"Merged into “Drukpol Sp. z o.o.” (#{kept.pk})")


def test_the_kept_file_history_shows_the_merge(agent) -> None:
    # given
    kept, merged = two_accounts()
    account_merge(by=agent, kept=kept, merged=merged)
    # when
    from kartoteka.testing.clients import client_for

    response = client_for(agent).get(kept.get_absolute_url(), {"tab": "history"})
    # then
    assert f"Merged with “DRUKPOL” (#{merged.pk})" in response.text


def test_search_entries_of_moved_rows_name_the_kept_account(agent) -> None:
    # given
    kept = account_create(by=agent, data={"name": "Drukpol"})
    merged = account_create(by=agent, data={"name": "Drukpol Łódź"})
    contact = contact_create(by=agent, data={"account": merged, "last_name": "Nowak"})
    merged_pk = merged.pk
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert SearchEntry.objects.filter(pk=entry_id("account", merged_pk)).exists() is False
    assert SearchEntry.objects.get(pk=entry_id("contact", contact.pk)).account_id == kept.pk
    assert SearchEntry.objects.filter(account_id=merged_pk).exists() is False


# Rights


def test_an_account_the_user_cannot_see_is_refused(outsider, support_team) -> None:
    # given
    kept = AccountFactory(name="Jawny")
    hidden = AccountFactory(name="Tajny", restricted=True, team=support_team)
    # when
    with pytest.raises(PermissionDenied):
        account_merge(by=outsider, kept=kept, merged=hidden)
    # then
    assert Account.objects.filter(pk=hidden.pk).exists() is True


def test_a_restricted_account_is_not_merged_into_a_public_one_by_a_team_member(
    agent, support_team
) -> None:
    # given
    kept = AccountFactory(name="Jawny")
    restricted = AccountFactory(name="Tajny", restricted=True, team=support_team)
    case = make_case(by=agent, account=restricted)
    # when
    with pytest.raises(ValidationError) as raised:
        account_merge(by=agent, kept=kept, merged=restricted)
    # then
    assert raised.value.error_dict["restricted"][0].code == "merge_widens_restricted"
    assert Case.objects.get(pk=case.pk).account_id == restricted.pk


def test_a_team_member_may_merge_keeping_the_restriction(agent, support_team) -> None:
    # given
    kept = AccountFactory(name="Jawny")
    restricted = AccountFactory(name="Tajny", restricted=True, team=support_team)
    # when: the kept account becomes as restricted as the merged one was... which the rules of
    # editing the kept account forbid to a member who is not its manager
    with pytest.raises(ValidationError) as raised:
        account_merge(
            by=agent,
            kept=kept,
            merged=restricted,
            fields={"restricted": "merged", "team": "merged", "manager": "merged"},
        )
    # then
    assert [error.code for error in raised.value.error_dict["restricted"]] == [
        "restriction_not_allowed"
    ]


def test_a_manager_may_merge_a_restricted_account_into_a_public_one(manager, support_team) -> None:
    # given
    kept = AccountFactory(name="Jawny")
    restricted = AccountFactory(name="Tajny", restricted=True, team=support_team)
    # when
    account_merge(by=manager, kept=kept, merged=restricted)
    # then
    kept.refresh_from_db()
    assert (kept.restricted, Account.objects.filter(pk=restricted.pk).exists()) == (False, False)


# Queries


def test_the_number_of_queries_does_not_grow_with_the_rows_moved(agent) -> None:
    def merge_with(rows: int) -> int:
        kept, merged = AccountFactory(), AccountFactory()
        for number in range(rows):
            contact = ContactFactory(account=merged)
            EmailAddressFactory(contact=contact)
            make_case(f"Sprawa {number}", by=agent, account=merged, contacts=(contact,))
            call_recorded(agent, merged, starts_at=timezone.now() - timedelta(days=number + 1))
        with CaptureQueriesContext(connection) as queries:
            account_merge(by=agent, kept=kept, merged=merged)
        return len(queries)

    # when
    one, many = merge_with(1), merge_with(12)
    # then
    assert many == one


def test_a_task_planned_for_the_merged_account_keeps_its_plan(agent) -> None:
    # given
    kept, merged = two_accounts()
    due = timezone.now() + timedelta(days=3)
    from kartoteka.activities.services import task_create

    task = task_create(
        by=agent,
        account=merged,
        plan=NextTask(event_type=event_type(), due_at=due, assignee=agent),
    )
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    task.refresh_from_db()
    assert (task.account_id, task.due_at, task.assignee) == (kept.pk, due, agent)


def test_a_moved_contact_gets_a_history_record_on_the_kept_account(agent) -> None:
    # given
    kept, merged = two_accounts()
    contact = ContactFactory(account=merged, first_name="Anna", last_name="Nowak")
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    latest = contact.history.order_by("-history_id").first()
    assert (latest.history_type, latest.account_id, latest.history_change_reason) == (
        "~",
        kept.pk,
        f"Moved from “DRUKPOL” (#{merged.pk}) by a merge",
    )


# A unique rule that is not a join table's. No model has one today (a one-to-one to an
# account, a row unique per account): contacts are made to look so, the queries are real.


def unique_per_account(monkeypatch, sets) -> None:
    original = Relation.unique_sets

    def patched(self: Relation):
        return sets if self.label == "customers.contact" else original(self)

    monkeypatch.setattr(Relation, "unique_sets", patched)


def test_a_one_to_one_clash_refuses_the_merge_and_changes_nothing(agent, monkeypatch) -> None:
    # given
    kept, merged = two_accounts()
    ContactFactory(account=kept)
    theirs = ContactFactory(account=merged)
    case = make_case(by=agent, account=merged)
    unique_per_account(monkeypatch, [((), None)])
    # when
    with pytest.raises(ValidationError) as raised:
        account_merge(by=agent, kept=kept, merged=merged, fields={"name": "merged"})
    # then
    assert raised.value.messages == [
        "Both accounts have a contact that may exist only once per account (1); resolve it "
        "on one of them before merging."
    ]
    assert Contact.objects.get(pk=theirs.pk).account_id == merged.pk
    assert Case.objects.get(pk=case.pk).account_id == merged.pk
    kept.refresh_from_db()
    assert kept.name == "Drukpol Sp. z o.o."


def test_a_clash_on_other_fields_counts_only_the_rows_that_clash(agent, monkeypatch) -> None:
    # given: unique per (account, last name) among contacts with a position
    kept, merged = two_accounts()
    ContactFactory(account=kept, last_name="Nowak", position="Prezes")
    ContactFactory(account=merged, last_name="Nowak", position="Księgowa")
    ContactFactory(account=merged, last_name="Nowak", position="")
    ContactFactory(account=merged, last_name="Kowalski", position="Kierowca")
    unique_per_account(monkeypatch, [(("last_name",), ~Q(position=""))])
    # when
    with pytest.raises(ValidationError) as raised:
        account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert raised.value.messages == [
        "Both accounts have a contact that may exist only once per account (1); resolve it "
        "on one of them before merging."
    ]


def test_without_a_clash_the_same_rule_lets_the_merge_through(agent, monkeypatch) -> None:
    # given
    kept, merged = two_accounts()
    ContactFactory(account=kept, last_name="Nowak", position="Prezes")
    moved = ContactFactory(account=merged, last_name="Kowalski", position="Kierowca")
    unique_per_account(monkeypatch, [(("last_name",), ~Q(position=""))])
    # when
    account_merge(by=agent, kept=kept, merged=merged)
    # then
    assert Contact.objects.get(pk=moved.pk).account_id == kept.pk
