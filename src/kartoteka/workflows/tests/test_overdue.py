from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from kartoteka.cases import happenings, services
from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, CaseEvent, Status
from kartoteka.cases.selectors import case_list
from kartoteka.core.schedule import Job, schedule_due
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.people import UserFactory
from kartoteka.workflows import overdue
from kartoteka.workflows.tasks import mark_overdue_cases


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    settings.SITE_URL = "https://crm.firma.example"
    settings.LANGUAGE_CODE = "pl"


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch) -> None:
    """Queued mail stays queued: these tests look at the outbox, not at an SMTP server."""
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)


def make_status(name: str = "Czeka na dział", **fields) -> Status:
    values = {"overdue_after_days": 3, "notify_addresses": "dyzur@firma.example"}
    values.update(fields)
    return Status.objects.create(name=name, position=50, **values)


def overdue_mail(case: Case) -> list[Message]:
    return list(
        Message.objects.filter(case=case, direction=Message.Direction.OUTBOUND).order_by("pk")
    )


def addresses(message: Message) -> list[str]:
    return [entry["address"] for entry in message.to]


@pytest.fixture
def mailbox(db):
    return make_mailbox(is_default=True)


@pytest.mark.django_db
def test_a_case_is_marked_after_the_status_days_and_not_before(mailbox) -> None:
    # given a case that entered a 3-day status now
    status = make_status()
    case = make_case(status=status)
    start = case.status_changed_at
    # when the job runs a minute short of three days, then at three days
    early = overdue.overdue_cases_mark(now=start + timedelta(days=3, minutes=-1))
    on_time = overdue.overdue_cases_mark(now=start + timedelta(days=3))
    # then
    case.refresh_from_db()
    assert (early, on_time) == (0, 1)
    assert case.overdue_since == start + timedelta(days=3)
    assert [addresses(m) for m in overdue_mail(case)] == [["dyzur@firma.example"]]


@pytest.mark.django_db
def test_a_case_is_told_once_per_overdue_period(mailbox) -> None:
    status = make_status()
    case = make_case(status=status)
    later = case.status_changed_at + timedelta(days=4)
    # when the job runs three times
    counts = [overdue.overdue_cases_mark(now=later + timedelta(hours=h)) for h in (0, 1, 24)]
    # then only the first marks and sends
    assert counts == [1, 0, 0]
    assert len(overdue_mail(case)) == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OVERDUE).count() == 1


@pytest.mark.django_db
def test_of_two_runs_that_read_the_same_due_case_only_one_marks_and_tells(
    mailbox, monkeypatch
) -> None:
    # given a due case, and a second run that starts while the first one has read the case
    # but not claimed it yet (the interleaving of two overlapping runs, made deterministic)
    case = make_case(status=make_status())
    now = case.status_changed_at + timedelta(days=3)
    reported: list[happenings.Happening] = []
    monkeypatch.setattr(happenings, "_follow_up", reported.append)
    mark_one = overdue._mark_one
    second_run: dict[str, int] = {}

    def second_run_between_read_and_claim(*args, **kwargs) -> bool:
        if "marked" not in second_run:
            second_run["marked"] = -1  # the second run itself goes straight through
            second_run["marked"] = overdue.overdue_cases_mark(now=now)
        return mark_one(*args, **kwargs)

    monkeypatch.setattr(overdue, "_mark_one", second_run_between_read_and_claim)
    # when the first run goes on with the copy of the case it read before the second run
    first_run = overdue.overdue_cases_mark(now=now)
    # then the second run marked and told, and the first one found the case claimed
    assert (first_run, second_run) == (0, {"marked": 1})
    assert Case.objects.get(pk=case.pk).overdue_since == now
    assert [addresses(m) for m in overdue_mail(case)] == [["dyzur@firma.example"]]
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OVERDUE).count() == 1
    assert reported == [happenings.Happening(happenings.Kind.CASE_OVERDUE, case.pk)]


@pytest.mark.django_db
def test_a_status_change_starts_a_new_overdue_period(mailbox, agent) -> None:
    # given an overdue case
    waiting, other = make_status(), make_status("U serwisanta", overdue_after_days=2)
    case = make_case(status=waiting)
    overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=3))
    # when its status changes
    case = services.case_update(case=case, by=agent, data={"status": other})
    # then it is no longer overdue, and becomes so again after the new status's days
    assert Case.objects.get(pk=case.pk).overdue_since is None
    assert case_list(user=agent, filters={"overdue": "yes"}).count() == 0
    assert overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=1)) == 0
    assert overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=2)) == 1
    assert len(overdue_mail(case)) == 2


@pytest.mark.django_db
def test_an_edit_that_keeps_the_status_keeps_the_overdue_mark(mailbox, agent) -> None:
    # given an overdue case, and a copy of it read before the job marked it
    case = make_case(status=make_status())
    stale = Case.objects.get(pk=case.pk)
    overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=3))
    # when the stale copy is edited without a status change
    services.case_update(case=stale, by=agent, data={"annotation": "pilne"})
    # then the mark stays and the next run tells nobody again
    assert Case.objects.get(pk=case.pk).overdue_since == case.status_changed_at + timedelta(days=3)
    assert overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=4)) == 0


@pytest.mark.django_db
def test_cases_in_closing_or_periodless_statuses_are_never_overdue(mailbox) -> None:
    closed = make_case(status=make_status("Zamknięta ręcznie", closes_case=True))
    endless = make_case(status=make_status("Bez terminu", overdue_after_days=None))
    # when
    marked = overdue.overdue_cases_mark(now=timezone.now() + timedelta(days=365))
    # then only the cases of the default lists (open statuses) could be marked, not these
    assert (
        Case.objects.filter(pk__in=[closed.pk, endless.pk], overdue_since__isnull=False).count()
        == 0
    )
    assert marked == Case.objects.filter(overdue_since__isnull=False).count()
    assert overdue_mail(closed) == overdue_mail(endless) == []


@pytest.mark.django_db
def test_recipients_and_languages_follow_the_status(mailbox, admin) -> None:
    # given a Czech account manager, an English administrator, an inactive administrator
    # and extra addresses repeating the manager's
    admin.language = "en"
    admin.save(update_fields=["language"])
    UserFactory(username="former", role=User.Role.ADMINISTRATOR, is_active=False)
    manager = UserFactory(username="opiekun", language="cs")
    account = AccountFactory(name="Drukarnia Wiśniewski", manager=manager)
    status = make_status(
        notify_account_manager=True,
        notify_administrator=True,
        notify_addresses="dyzur@firma.example, OPIEKUN@firma.example",
    )
    case = make_case("Toner się skończył", account=account, status=status)
    # when
    overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=5))
    # then one message per language, each address once
    mail = {m.to[0]["address"]: m for m in overdue_mail(case)}
    assert [addresses(m) for m in overdue_mail(case)] == [
        ["opiekun@firma.example"],
        ["admin@firma.example"],
        ["dyzur@firma.example"],
    ]
    english = mail["admin@firma.example"]
    assert english.subject == f"[KART#{case.number}] Overdue 5 days: Toner się skończył"
    assert f"Case #{case.number} has been in the status “Czeka na dział” for 5 days." in (
        english.text
    )
    assert "Drukarnia Wiśniewski" in english.text
    assert f"https://crm.firma.example/cases/{case.number}/" in english.text
    assert english.automatic is True
    assert CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.OVERDUE).data == {
        "status": "Czeka na dział",
        "days": 5,
        "told": ["opiekun@firma.example", "admin@firma.example", "dyzur@firma.example"],
    }


@pytest.mark.django_db
def test_without_recipients_the_case_is_still_marked(mailbox) -> None:
    case = make_case(status=make_status(notify_addresses="", notify_account_manager=True))
    assert overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=3)) == 1
    assert overdue_mail(case) == []


@pytest.mark.django_db
def test_the_overdue_event_is_in_the_case_history(mailbox) -> None:
    case = make_case(status=make_status())
    overdue.overdue_cases_mark(now=case.status_changed_at + timedelta(days=3))
    with translation.override("en"):  # the reader's language (the installation's is Polish)
        entry = next(e for e in case_history(case) if e.kind == "event")
    assert (entry.event, entry.who, entry.text) == (
        "overdue",
        None,
        "Overdue: 3 days in the status “Czeka na dział”. Told: dyzur@firma.example.",
    )


@pytest.mark.django_db
def test_the_list_filters_and_shows_overdue_cases(agent) -> None:
    from kartoteka.testing.clients import client_for

    # given one overdue case and one that is not
    status = make_status()
    late, fresh = make_case("Późna", status=status), make_case("Świeża", status=status)
    Case.objects.filter(pk=late.pk).update(overdue_since=timezone.now())
    # when
    yes = case_list(user=agent, filters={"overdue": "yes"}).values_list("number", flat=True)
    no = case_list(user=agent, filters={"overdue": "no"}).values_list("number", flat=True)
    page = client_for(agent).get("/cases/", {"overdue": "yes"})
    # then
    assert (list(yes), list(no)) == ([late.number], [fresh.number])
    assert page.status_code == 200
    assert page.content.decode().count('class="pill pill-overdue"') == 1


@pytest.mark.django_db
def test_the_api_filters_overdue_cases(mailbox, agent) -> None:
    from kartoteka.testing.clients import client_for

    case = make_case(status=make_status())
    marked_at = case.status_changed_at + timedelta(days=3)
    overdue.overdue_cases_mark(now=marked_at)
    response = client_for(agent).get("/api/v1/cases/", {"overdue": "yes"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["number"], datetime.fromisoformat(row["overdue_since"])) for row in rows] == [
        (case.number, marked_at)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_one_moment_run_the_job_once(monkeypatch) -> None:
    # given cases overdue now, and two workers whose schedulers wake at the same moment
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    make_mailbox(is_default=True)
    status = make_status()
    cases = [make_case(f"Sprawa {i}", status=status) for i in range(3)]
    Case.objects.update(status_changed_at=timezone.now() - timedelta(days=10))
    job = Job(mark_overdue_cases, timedelta(minutes=15), "for the test")
    now = timezone.now()
    barrier = threading.Barrier(2)
    started: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            started.append(schedule_due(now=now, jobs=(job,)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one worker ran the job, and each case got one message
    assert errors == []
    assert sorted(started) == [[], [job.name]]
    assert [len(overdue_mail(case)) for case in cases] == [1, 1, 1]
