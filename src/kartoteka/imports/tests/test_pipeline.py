"""The import from file to customers: check, duplicates, decisions, the run, undo."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.imports import running, services
from kartoteka.imports.models import Import, ImportedRecord, ImportRow
from kartoteka.imports.tests.helpers import checked_import, csv_bytes
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
    valid_nip,
    valid_regon,
)

pytestmark = pytest.mark.django_db


def _start(batch: Import, by, capture) -> Import:
    with capture(execute=True):
        services.import_start(batch=batch, by=by)
    batch.refresh_from_db()
    return batch


def test_windows_1250_rows_become_accounts_with_contacts_in_a_new_segment(
    agent, django_capture_on_commit_callbacks
):
    # given a Windows-1250 file with Polish letters, one row with a contact
    data = csv_bytes(
        [
            ["Zakład Łąkowy Żółć", f"PL {valid_nip(1)}", valid_regon(1), "Łódź", "", "", "", ""],
            [
                "Ślusarnia Gęś",
                valid_nip(2),
                "",
                "Kraków",
                "601 234 567",
                "biuro@ges.pl",
                "Zofia",
                "Wiśniewska",
            ],
        ]
    )
    batch = checked_import(agent, data, segment_name="Targi 2026")
    assert batch.encoding == "cp1250"
    assert (batch.total_rows, batch.invalid_rows, batch.duplicate_rows) == (2, 0, 0)
    # when it runs
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    # then both accounts exist with correct letters, in the new segment, with history
    assert batch.state == Import.State.DONE
    assert (batch.created_count, batch.updated_count) == (2, 0)
    segment = Segment.objects.get(name="Targi 2026")
    names = sorted(segment.accounts.values_list("name", flat=True))
    assert names == ["Zakład Łąkowy Żółć", "Ślusarnia Gęś"]
    ges = Account.objects.get(name="Ślusarnia Gęś")
    assert ges.phone == "+48601234567"
    assert list(ges.shared_emails.values_list("address", flat=True)) == ["biuro@ges.pl"]
    assert ges.created_by == agent
    contact = Contact.objects.get(account=ges)
    assert (contact.first_name, contact.last_name) == ("Zofia", "Wiśniewska")
    record = ges.history.get()
    assert record.history_type == "+"
    assert record.history_user == agent
    assert record.history_change_reason == f"Import {batch.pk}: klienci.csv"
    assert Account.objects.get(name="Zakład Łąkowy Żółć").nip == valid_nip(1)


def test_duplicates_are_found_in_the_database_and_in_the_file(agent):
    # given an account with a NIP and a contact's address, and a file repeating them
    existing = AccountFactory(name="Stara Firma", nip=valid_nip(10), regon="")
    holder = ContactFactory(account=AccountFactory(name="Ma Adres", nip=valid_nip(9011), regon=""))
    EmailAddressFactory(contact=holder, address="jan@firma.pl")
    data = csv_bytes(
        [
            ["Nowa Firma", valid_nip(10), "", "", "", "", "", ""],
            ["Adresowa", valid_nip(11), "", "", "", "jan@firma.pl", "", ""],
            ["Pierwsza", valid_nip(12), "", "", "", "", "", ""],
            ["Druga", valid_nip(12), "", "", "", "", "", ""],
            ["Czysta", valid_nip(13), "", "", "", "", "", ""],
        ]
    )
    # when checked
    batch = checked_import(agent, data)
    # then three rows are duplicates, each saying what it clashes with
    rows = {row.values["name"]: row for row in batch.rows.all()}
    assert batch.duplicate_rows == 3
    assert rows["Nowa Firma"].duplicates == [
        {
            "field": "nip",
            "value": valid_nip(10),
            "account": existing.pk,
            "account_name": "Stara Firma",
            "line": None,
        }
    ]
    assert rows["Nowa Firma"].target_id == existing.pk
    assert rows["Adresowa"].duplicates[0]["field"] == "email"
    assert rows["Adresowa"].target_id == holder.account_id
    assert rows["Druga"].duplicates == [
        {"field": "nip", "value": valid_nip(12), "account": None, "account_name": "", "line": 4}
    ]
    assert not rows["Pierwsza"].is_duplicate
    assert not rows["Czysta"].is_duplicate


def test_duplicate_lookups_take_a_constant_number_of_queries(agent, django_assert_max_num_queries):
    rows = [
        [f"Firma {n}", valid_nip(100 + n), "", "", "", f"a{n}@x.pl", "", ""] for n in range(300)
    ]
    batch = checked_import(agent, csv_bytes(rows))
    # a chunk: rows, NIPs, emails, phones (account and contact), the reset, no per-row query
    with django_assert_max_num_queries(10):
        from kartoteka.imports.staging import duplicates_find

        duplicates_find(batch=batch)


def test_review_decisions_update_strike_delete_and_new(agent, django_capture_on_commit_callbacks):
    # given three duplicates of existing accounts
    kept = AccountFactory(name="Do Aktualizacji", nip=valid_nip(20), city="Radom")
    AccountFactory(name="Do Skreślenia", nip=valid_nip(21))
    AccountFactory(name="Oddział", nip=valid_nip(22))
    data = csv_bytes(
        [
            ["Nowa Nazwa", valid_nip(20), "", "Płock", "", "", "", ""],
            ["Skreślony", valid_nip(21), "", "", "", "", "", ""],
            ["Oddział Nowy", valid_nip(22), "", "", "", "", "", ""],
        ]
    )
    batch = checked_import(agent, data, segment_name="Przegląd")
    rows = {row.values["name"]: row for row in batch.rows.all()}
    # when one is updated (only the city), one struck and deleted, one imported as new
    services.rows_decide(
        batch=batch,
        by=agent,
        action="update",
        row_ids=[rows["Nowa Nazwa"].pk],
        update_fields=["city"],
    )
    services.rows_decide(batch=batch, by=agent, action="strike", row_ids=[rows["Skreślony"].pk])
    services.rows_decide(
        batch=batch,
        by=agent,
        action="delete",
        row_ids=[rows["Skreślony"].pk, rows["Oddział Nowy"].pk],
    )
    services.rows_decide(batch=batch, by=agent, action="new", row_ids=[rows["Oddział Nowy"].pk])
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    # then the update changed only the city; the struck row is skipped; the branch is new
    assert batch.state == Import.State.DONE
    assert (batch.created_count, batch.updated_count, batch.skipped_count) == (1, 1, 1)
    kept.refresh_from_db()
    assert (kept.name, kept.city) == ("Do Aktualizacji", "Płock")
    assert kept.segments.filter(name="Przegląd").exists()
    assert Account.objects.filter(nip=valid_nip(22)).count() == 2
    assert not Account.objects.filter(name="Skreślony").exists()


def test_delete_takes_only_struck_rows(agent):
    AccountFactory(nip=valid_nip(30))
    AccountFactory(nip=valid_nip(31))
    batch = checked_import(
        agent,
        csv_bytes(
            [
                ["A", valid_nip(30), "", "", "", "", "", ""],
                ["B", valid_nip(31), "", "", "", "", "", ""],
            ]
        ),
    )
    a, b = batch.rows.order_by("line")
    services.rows_decide(batch=batch, by=agent, action="strike", row_ids=[a.pk])
    assert services.rows_decide(batch=batch, by=agent, action="delete", row_ids=[a.pk, b.pk]) == 1
    assert ImportRow.objects.get(pk=a.pk).decision == ImportRow.Decision.SKIP
    assert ImportRow.objects.get(pk=b.pk).decision == ImportRow.Decision.NEW
    # delete all duplicates
    assert services.rows_decide(batch=batch, by=agent, action="delete") == 2


def test_an_address_held_by_another_record_stays_with_its_owner(
    agent, django_capture_on_commit_callbacks
):
    owner = ContactFactory(account=AccountFactory(name="Właściciel"))
    EmailAddressFactory(contact=owner, address="wspolny@firma.pl")
    data = csv_bytes(
        [["Nowa", valid_nip(40), "", "", "", "wspolny@firma.pl; nowy@firma.pl", "", ""]]
    )
    batch = checked_import(agent, data)
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    new = Account.objects.get(name="Nowa")
    assert list(new.shared_emails.values_list("address", flat=True)) == ["nowy@firma.pl"]
    assert EmailAddress.objects.get(address="wspolny@firma.pl").contact == owner
    assert batch.undo_report == ["2: wspolny@firma.pl"]


def test_invalid_rows_block_the_run_until_fixed_or_skipped(agent):
    data = csv_bytes(
        [
            ["Dobra", valid_nip(50), "", "", "", "", "", ""],
            ["Zła", "1234567890", "", "", "", "", "", ""],
            ['=HYPERLINK("http://zlo.example")', valid_nip(52), "", "", "", "", "", ""],
        ]
    )
    batch = checked_import(agent, data)
    assert batch.invalid_rows == 1
    bad = batch.rows.get(valid=False)
    assert set(bad.errors) == {"nip"}
    with pytest.raises(services.ImportStateError):
        services.import_start(batch=batch, by=agent)
    # the formula is kept as text, warned about
    formula = batch.rows.get(line=4)
    assert formula.valid
    assert formula.values["name"] == '=HYPERLINK("http://zlo.example")'
    assert "name" in formula.warnings
    # fixing the cell re-checks the row
    fixed = services.row_fix(row=bad, by=agent, field="nip", value=valid_nip(51))
    assert fixed.valid
    assert fixed.values["nip"] == valid_nip(51)
    batch.refresh_from_db()
    assert batch.invalid_rows == 0
    assert services.run_blockers(batch) == []


def test_a_failure_mid_way_leaves_the_database_as_it_was(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [[f"Firma {n}", valid_nip(200 + n), "", "", "", "", "", ""] for n in range(2500)]
    batch = checked_import(agent, csv_bytes(rows), segment_name="Nieudany")
    calls = []

    def failing_put(entries):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(running, "index_put", failing_put)
    before = Account.objects.count()
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    assert batch.state == Import.State.FAILED
    assert "disk full" in batch.error
    assert Account.objects.count() == before
    assert not Segment.objects.filter(name="Nieudany").exists()
    assert not ImportedRecord.objects.filter(batch=batch).exists()
    assert Account.history.count() == 0


def test_undo_removes_what_was_created_and_restores_what_was_updated(
    agent, manager, django_capture_on_commit_callbacks
):
    existing = AccountFactory(name="Istniejąca", nip=valid_nip(60), city="Radom")
    data = csv_bytes(
        [
            ["Nowa Jeden", valid_nip(61), "", "Gdańsk", "", "", "Jan", "Nowak"],
            ["Nowa Dwa", valid_nip(62), "", "", "", "", "", ""],
            ["Zmiana", valid_nip(60), "", "Płock", "", "", "", ""],
        ]
    )
    batch = checked_import(agent, data, segment_name="Cofnięty")
    update = batch.rows.get(is_duplicate=True)
    services.rows_decide(
        batch=batch, by=agent, action="update", row_ids=[update.pk], update_fields=["city"]
    )
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    assert Account.objects.get(pk=existing.pk).city == "Płock"
    # someone changes one created account afterwards
    changed = Account.objects.get(name="Nowa Dwa")
    changed.notes = "ważny klient"
    changed.save()
    # when undone
    result = services.import_undo_run(batch=batch, by=manager)
    # then the untouched one is gone with its contact, the changed one kept and listed,
    # the update restored
    assert result.removed == 1
    assert result.restored == 1
    assert not Account.objects.filter(name="Nowa Jeden").exists()
    assert not Contact.objects.filter(last_name="Nowak").exists()
    assert Account.objects.filter(name="Nowa Dwa").exists()
    existing.refresh_from_db()
    assert existing.city == "Radom"
    assert not existing.segments.filter(name="Cofnięty").exists()
    batch.refresh_from_db()
    assert batch.state == Import.State.UNDONE
    assert batch.undo_report == ["Line 3: Nowa Dwa was kept: changed since the import."]
    assert Account.history.filter(name="Nowa Jeden", history_type="-").exists()


def test_undo_twice_is_refused(agent, django_capture_on_commit_callbacks):
    batch = checked_import(agent, csv_bytes([["Raz", valid_nip(70), "", "", "", "", "", ""]]))
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    services.import_undo_run(batch=batch, by=agent)
    with pytest.raises(services.ImportStateError):
        services.import_undo_run(batch=batch, by=agent)


def test_the_run_is_claimed_once(agent, django_capture_on_commit_callbacks):
    batch = checked_import(agent, csv_bytes([["Raz", valid_nip(80), "", "", "", "", "", ""]]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.import_start(batch=batch, by=agent)
    with pytest.raises(services.ImportStateError):
        services.import_start(batch=Import.objects.get(pk=batch.pk), by=agent)
    assert len(callbacks) == 1


def test_mapping_needs_a_name_column(agent):
    batch = checked_import(agent, csv_bytes([["A", valid_nip(90), "", "", "", "", "", ""]]))
    with pytest.raises(ValidationError):
        services.import_map(batch=batch, by=agent, mapping={1: "nip"})


def test_progress_is_written_beside_the_database_while_running(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [[f"Firma {n}", valid_nip(300 + n), "", "", "", "", "", ""] for n in range(1500)]
    batch = checked_import(agent, csv_bytes(rows))
    seen = []
    original = running.Ticker.tick

    def spy(self, done=None, *, force=False):
        original(self, done, force=True)
        from kartoteka.imports.progress import progress_read

        seen.append(progress_read(self.import_id).done)

    monkeypatch.setattr(running.Ticker, "tick", spy)
    _start(batch, agent, django_capture_on_commit_callbacks)
    assert seen[0] == 0
    assert seen[-1] == 1500
    assert seen == sorted(seen)
    assert len(set(seen)) > 3


def test_phone_numbers_of_contacts(agent, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [["Telefoniczna", valid_nip(95), "", "", "", "", "Ewa", "Kot", "+48 601 100 200"]],
        headers=[
            *__import__("kartoteka.imports.tests.helpers", fromlist=["HEADERS"]).HEADERS,
            "Telefon osoby kontaktowej",
        ],
    )
    batch = checked_import(agent, data)
    _start(batch, agent, django_capture_on_commit_callbacks)
    contact = Contact.objects.get(last_name="Kot")
    assert list(PhoneNumber.objects.filter(contact=contact).values_list("number", flat=True)) == [
        "+48601100200"
    ]


def test_a_second_delivery_of_the_task_writes_nothing(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    from kartoteka.imports.tasks import run_import

    batch = checked_import(agent, csv_bytes([["Raz", valid_nip(96), "", "", "", "", "", ""]]))
    batch = _start(batch, agent, django_capture_on_commit_callbacks)
    assert batch.state == Import.State.DONE
    # delivered again after the run
    assert run_import.call(batch.pk) == "done"
    # delivered twice at once: the second read "running" before the first committed
    stale = Import.objects.get(pk=batch.pk)
    stale.state = Import.State.RUNNING
    monkeypatch.setattr(running.Import.objects, "select_related", lambda *names: _Only(stale))
    assert running.import_run(import_id=batch.pk, by=agent).state == Import.State.DONE
    assert Account.objects.filter(nip=valid_nip(96)).count() == 1


class _Only:
    def __init__(self, batch):
        self.batch = batch

    def get(self, **kwargs):
        return self.batch


def test_a_run_whose_worker_went_away_is_marked_failed(agent, monkeypatch):
    import time

    from kartoteka.imports.selectors import import_get_for_user

    batch = checked_import(agent, csv_bytes([["Raz", valid_nip(97), "", "", "", "", "", ""]]))
    assert running.import_claim(batch=batch)
    assert import_get_for_user(agent, batch.pk).state == Import.State.RUNNING
    monkeypatch.setattr(time, "time", lambda: 10**10)
    batch = import_get_for_user(agent, batch.pk)
    assert batch.state == Import.State.FAILED
    assert "worker stopped" in batch.error
    # it can be started again
    assert running.import_claim(batch=batch)
    batch = running.import_run(import_id=batch.pk, by=agent)
    assert batch.state == Import.State.DONE
    assert Account.objects.filter(nip=valid_nip(97)).count() == 1
