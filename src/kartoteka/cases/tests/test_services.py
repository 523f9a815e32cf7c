from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kartoteka.cases import history, selectors, services
from kartoteka.cases.models import Case, CaseAttachment, CaseNote, Status
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def deletions() -> list[tuple[int, str]]:
    historical = Case.history.model
    return list(
        historical.objects.filter(history_type="-")
        .order_by("number")
        .values_list("number", "history_user__username")
    )


# Creating


def test_create_refuses_an_expected_resolution_date_in_the_past(agent):
    # given
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    # when
    with pytest.raises(ValidationError) as error:
        make_case(by=agent, due_date=yesterday)

    # then
    assert error.value.message_dict == {
        "due_date": ["The expected resolution date is in the past; choose today or a later day."]
    }
    assert Case.objects.count() == 0


def test_create_accepts_today_as_expected_resolution_date(agent):
    # when
    case = make_case(by=agent, due_date=timezone.localdate())

    # then
    assert case.due_date == timezone.localdate()


# Deleting


def test_case_delete_takes_notes_and_records_who_deleted(manager):
    # given
    case = make_case("Stara sprawa", by=manager)
    services.case_note_add(case=case, by=manager, text="Notatka")

    # when
    services.case_delete(case=case, by=manager)

    # then
    assert Case.objects.count() == 0
    assert CaseNote.objects.count() == 0
    assert deletions() == [(case.number, "manager")]


def test_cases_delete_deletes_exactly_the_given_set_in_chunks(manager, monkeypatch):
    # given
    monkeypatch.setattr(services, "DELETE_CHUNK_SIZE", 2)
    doomed = [make_case(f"Do usunięcia {n}") for n in range(5)]
    make_case("Zostaje")

    # when
    deleted = services.cases_delete(
        cases=Case.objects.filter(subject__startswith="Do usunięcia"), by=manager
    )

    # then
    assert deleted == 5
    assert list(Case.objects.values_list("subject", flat=True)) == ["Zostaje"]
    assert deletions() == [(case.number, "manager") for case in doomed]


def test_cases_delete_refuses_when_the_set_changed_since_confirmation(manager):
    # given
    make_case("Pierwsza")
    make_case("Druga")

    # when
    with pytest.raises(services.CountChangedError) as error:
        services.cases_delete(cases=Case.objects.all(), by=manager, expected_count=1)

    # then
    assert (error.value.expected, error.value.actual) == (1, 2)
    assert Case.objects.count() == 2


def test_cases_delete_of_a_filtered_list_leaves_cases_the_user_cannot_see(
    outsider, support_team, manager
):
    # given: the outsider (Sales) cannot see Support's restricted account
    make_case("Awaria sieci", account=AccountFactory())
    make_case("Awaria sieci", account=AccountFactory(restricted=True, team=support_team))
    cases = selectors.case_list(user=outsider, filters={"subject": "awaria"})

    # when
    deleted = services.cases_delete(cases=cases, by=outsider, expected_count=1)

    # then
    assert deleted == 1
    assert list(Case.objects.values_list("account__restricted", flat=True)) == [True]


def test_case_delete_removes_stored_files_after_commit(manager, django_capture_on_commit_callbacks):
    # given
    case = make_case()
    attachment = services.case_attachment_add(
        case=case, by=manager, file=SimpleUploadedFile("faktura.pdf", b"%PDF-1.4")
    )
    stored = attachment.file.name

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_delete(case=case, by=manager)

    # then
    assert CaseAttachment.objects.count() == 0
    assert default_storage.exists(stored) is False


# Attachments


def test_attachment_keeps_the_original_name_and_content(agent):
    # given
    case = make_case()
    upload = SimpleUploadedFile("Umowa źródłowa.pdf", b"%PDF-1.4 tresc", "application/pdf")

    # when
    attachment = services.case_attachment_add(case=case, by=agent, file=upload)

    # then
    assert (attachment.name, attachment.size, attachment.content_type) == (
        "Umowa źródłowa.pdf",
        14,
        "application/pdf",
    )
    assert attachment.file.name.startswith("cases/")
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 tresc"


def test_attachment_over_25_megabytes_is_refused(agent):
    # given
    case = make_case()
    upload = SimpleUploadedFile("film.mp4", b"x")
    upload.size = services.ATTACHMENT_MAX_BYTES + 1

    # when
    with pytest.raises(ValidationError) as error:
        services.case_attachment_add(case=case, by=agent, file=upload)

    # then
    assert error.value.message_dict == {
        "file": ["The file has 25.0\xa0MB; attachments may have up to 25.0\xa0MB."]
    }
    assert CaseAttachment.objects.count() == 0


# History


def test_history_names_the_old_and_new_status_and_the_author(agent, manager):
    # given
    account = AccountFactory(name="Alfa")
    contact = ContactFactory(account=account, first_name="Jan", last_name="Nowak")
    case = make_case("Drukarka", by=agent, account=account)
    opened = Status.objects.get(name="Open")
    services.case_update(
        case=case, by=manager, data={"status": opened, "reporter": contact}, contacts=[contact]
    )

    # when
    entries = history.case_history(selectors.case_get_for_user(manager, case.number))

    # then
    assert [(e.kind, e.who.username) for e in entries] == [
        ("created", "agent"),
        ("changed", "manager"),
        ("event", "manager"),
    ]
    assert [(c.label, c.old, c.new) for c in entries[1].changes] == [
        ("Status", "New", "Open"),
        ("Reporter", "", "Jan Nowak"),
    ]
    assert [(c.label, c.old, c.new) for c in entries[2].changes] == [("Contacts", "", "Jan Nowak")]


def test_history_resolves_names_with_one_query_per_list(manager, agent, django_assert_num_queries):
    # given
    case = make_case(by=manager, account=AccountFactory(), assignee=agent)
    for status in Status.objects.all():
        services.case_update(case=case, by=manager, data={"status": status})
    case = selectors.case_get_for_user(manager, case.number)

    # when / then: records with their authors, the names of statuses, priorities, types,
    # categories, groups, customers, users and merged-into cases, then events and notes
    with django_assert_num_queries(10):
        entries = history.case_history(case)
    assert [c.new for e in entries[1:] for c in e.changes] == [
        "Open",
        "Waiting for customer",
        "Closed",
    ]
