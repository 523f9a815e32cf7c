"""The services of the lookup lists and of the case settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.cases import lookups
from kartoteka.cases.models import Case, CaseGroup, CaseSettings, Priority, Status
from kartoteka.cases.services import case_create, case_settings
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def priorities() -> dict[str, Priority]:
    """Low, Normal (the default) and High in that order, instead of the installation's list."""
    Priority.objects.all().delete()
    return {
        name: lookups.lookup_create(model=Priority, name=name, is_default=name == "Normal")
        for name in ("Low", "Normal", "High")
    }


def names(model: type) -> list[str]:
    return list(model.objects.order_by("position").values_list("name", flat=True))


def defaults(model: type) -> list[str]:
    return list(model.objects.filter(is_default=True).values_list("name", flat=True))


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# One default per list.


def test_first_value_of_an_empty_list_becomes_its_default() -> None:
    # given
    CaseGroup.objects.all().delete()
    # when
    first = lookups.lookup_create(model=CaseGroup, name="Billing")
    second = lookups.lookup_create(model=CaseGroup, name="Field service")
    # then
    assert (first.is_default, second.is_default) == (True, False)
    assert names(CaseGroup) == ["Billing", "Field service"]


def test_making_a_value_the_default_unsets_the_old_default(priorities) -> None:
    # when
    lookups.lookup_set_default(value=priorities["High"])
    # then
    assert defaults(Priority) == ["High"]


def test_creating_a_default_value_replaces_the_old_default(priorities) -> None:
    # when
    lookups.lookup_create(model=Priority, name="Critical", is_default=True)
    # then
    assert defaults(Priority) == ["Critical"]
    assert names(Priority) == ["Low", "Normal", "High", "Critical"]


def test_editing_a_value_into_the_default_unsets_the_old_default(priorities) -> None:
    # when
    lookups.lookup_update(value=priorities["Low"], name="Low", is_default=True)
    # then
    assert defaults(Priority) == ["Low"]


def test_the_default_cannot_stop_being_it_without_another_becoming_it(priorities) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_update(value=priorities["Normal"], name="Normal", is_default=False)
    # then
    assert messages_of(error) == {
        "is_default": [
            "Normal is the default and the list needs one. Make another value the default instead."
        ]
    }
    assert defaults(Priority) == ["Normal"]


def test_the_only_value_stays_the_default() -> None:
    # given
    CaseGroup.objects.all().delete()
    only = lookups.lookup_create(model=CaseGroup, name="Everyone")
    # when
    with pytest.raises(ValidationError):
        lookups.lookup_update(value=only, name="Everyone", is_default=False)
    # then
    assert defaults(CaseGroup) == ["Everyone"]


def test_new_cases_get_the_new_default(priorities, admin) -> None:
    # given
    lookups.lookup_set_default(value=priorities["High"])
    # when
    case = case_create(by=admin, subject="Printer on fire")
    # then
    assert case.priority.name == "High"


# Names and order.


def test_renaming_keeps_the_position_and_the_default(priorities) -> None:
    # when
    lookups.lookup_update(value=priorities["Normal"], name="  Medium ")
    # then
    assert names(Priority) == ["Low", "Medium", "High"]
    assert defaults(Priority) == ["Medium"]


def test_names_are_unique_in_a_list_ignoring_case(priorities) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_create(model=Priority, name="high")
    # then
    assert messages_of(error) == {"name": ["This list already has a value named high."]}


def test_moving_a_value_up_swaps_it_with_the_one_above(priorities) -> None:
    # when
    lookups.lookup_move(value=priorities["High"], direction="up")
    # then
    assert names(Priority) == ["Low", "High", "Normal"]
    assert list(Priority.objects.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
        2,
    ]


def test_moving_the_first_value_up_changes_nothing(priorities) -> None:
    # when
    lookups.lookup_move(value=priorities["Low"], direction="up")
    # then
    assert names(Priority) == ["Low", "Normal", "High"]


# Deleting.


def test_deleting_an_unused_value_closes_up_the_positions(priorities) -> None:
    # when
    moved = lookups.lookup_delete(value=priorities["Low"], by=None)
    # then
    assert moved == 0
    assert names(Priority) == ["Normal", "High"]
    assert list(Priority.objects.order_by("position").values_list("position", flat=True)) == [0, 1]


def test_deleting_a_value_in_use_is_refused_naming_the_count(priorities, admin) -> None:
    # given
    for subject in ("Invoice missing", "Login fails"):
        case_create(by=admin, subject=subject, data={"priority": priorities["High"]})
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_delete(value=priorities["High"], by=admin)
    # then
    assert messages_of(error) == {
        "move_to": ["2 cases use High. Choose the value to move them to."]
    }
    assert names(Priority) == ["Low", "Normal", "High"]


def test_deleting_a_value_in_use_moves_its_cases_and_writes_their_history(
    priorities, admin
) -> None:
    # given
    account = AccountFactory()
    contact = ContactFactory(account=account)
    moved_cases = [
        case_create(
            by=admin,
            subject=f"Case {n}",
            account=account,
            contacts=[contact],
            data={"priority": priorities["High"]},
        )
        for n in range(3)
    ]
    untouched = case_create(by=admin, subject="Stays", data={"priority": priorities["Normal"]})
    # when
    moved = lookups.lookup_delete(value=priorities["High"], by=admin, move_to=priorities["Low"])
    # then
    assert moved == 3
    assert names(Priority) == ["Low", "Normal"]
    assert list(
        Case.objects.filter(pk__in=[c.pk for c in moved_cases]).values_list(
            "priority__name", flat=True
        )
    ) == ["Low", "Low", "Low"]
    assert Case.objects.get(pk=untouched.pk).priority.name == "Normal"
    for case in moved_cases:
        latest, creation = Case.history.filter(id=case.pk).order_by("-history_id")[:2]
        assert latest.history_type == "~"
        assert latest.history_user == admin
        assert latest.history_change_reason == "High was deleted; moved to Low."
        assert latest.priority_id == priorities["Low"].pk
        assert creation.priority_id == priorities["High"].pk
        diff = latest.diff_against(creation)
        assert diff.changed_fields == ["priority"]


def test_cases_cannot_move_to_the_value_being_deleted(priorities, admin) -> None:
    # given
    case_create(by=admin, subject="Invoice missing", data={"priority": priorities["High"]})
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_delete(value=priorities["High"], by=admin, move_to=priorities["High"])
    # then
    assert messages_of(error) == {"move_to": ["1 case uses High. Choose the value to move it to."]}


def test_cases_cannot_move_to_a_value_of_another_list(priorities, admin) -> None:
    # given
    case_create(by=admin, subject="Invoice missing", data={"priority": priorities["High"]})
    other_list_value = CaseGroup.objects.first()
    # when
    with pytest.raises(ValidationError):
        lookups.lookup_delete(value=priorities["High"], by=admin, move_to=other_list_value)
    # then
    assert Case.objects.get().priority.name == "High"


def test_deleting_the_default_needs_the_value_that_becomes_the_default(priorities) -> None:
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_delete(value=priorities["Normal"], by=None)
    # then
    assert messages_of(error) == {
        "new_default": ["Normal is the default. Choose the value that becomes the default instead."]
    }
    assert defaults(Priority) == ["Normal"]


def test_deleting_the_default_makes_the_chosen_value_the_default(priorities) -> None:
    # when
    lookups.lookup_delete(value=priorities["Normal"], by=None, new_default=priorities["High"])
    # then
    assert names(Priority) == ["Low", "High"]
    assert defaults(Priority) == ["High"]


def test_the_last_priority_cannot_be_deleted() -> None:
    # given
    Priority.objects.all().delete()
    only = lookups.lookup_create(model=Priority, name="Normal")
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_delete(value=only, by=None)
    # then
    assert error.value.messages == [
        "Normal is the list's only value and every case needs one. Add another first."
    ]


def test_the_last_group_can_be_deleted() -> None:
    # given
    CaseGroup.objects.all().delete()
    only = lookups.lookup_create(model=CaseGroup, name="Everyone")
    # when
    lookups.lookup_delete(value=only, by=None)
    # then
    assert names(CaseGroup) == []


@pytest.mark.parametrize("setting", ["incoming_status", "reply_status"])
def test_statuses_of_the_case_settings_cannot_be_deleted(setting) -> None:
    # given
    status = lookups.lookup_create(model=Status, name="Answered")
    other = lookups.lookup_create(model=Status, name="Reopened")
    row = case_settings()
    lookups.case_settings_update(
        prefix=row.prefix,
        incoming_status=status if setting == "incoming_status" else other,
        reply_status=status if setting == "reply_status" else other,
    )
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_delete(value=status, by=None)
    # then
    assert error.value.messages == [
        "Answered is the status a customer's message or our reply moves a case to. "
        "Choose another one in the case settings first."
    ]
    assert Status.objects.filter(pk=status.pk).exists()


# Statuses.


def test_status_keeps_its_overdue_rule_and_whom_to_tell() -> None:
    # when
    status = lookups.lookup_create(
        model=Status,
        name="Escalated",
        data={
            "closes_case": False,
            "overdue_after_days": 14,
            "notify_account_manager": True,
            "notify_administrator": True,
            "notify_addresses": " szef@firma.pl ,dyzur@firma.pl,, SZEF@firma.pl",
        },
    )
    # then
    status.refresh_from_db()
    assert (
        status.overdue_after_days,
        status.notify_account_manager,
        status.notify_administrator,
        status.notify_addresses,
    ) == (14, True, True, "szef@firma.pl, dyzur@firma.pl")


def test_each_bad_notify_address_is_named() -> None:
    # given
    status = lookups.lookup_create(model=Status, name="Escalated")
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_update(
            value=status,
            name="Escalated",
            data={"notify_addresses": "szef@firma.pl, szef(at)firma.pl, dyzur@"},
        )
    # then
    assert messages_of(error) == {
        "notify_addresses": [
            "“szef(at)firma.pl” is not an email address.",
            "“dyzur@” is not an email address.",
        ]
    }
    status.refresh_from_db()
    assert status.notify_addresses == ""


def test_an_unknown_overdue_period_is_refused() -> None:
    # when
    with pytest.raises(ValidationError) as error:
        lookups.lookup_create(model=Status, name="Slow", data={"overdue_after_days": 10})
    # then
    assert list(messages_of(error)) == ["overdue_after_days"]


def test_other_lists_have_no_status_fields(priorities) -> None:
    with pytest.raises(TypeError, match="unknown fields: closes_case"):
        lookups.lookup_update(value=priorities["Low"], name="Low", data={"closes_case": True})


# The case settings.


def test_prefix_is_upper_cased() -> None:
    # given
    row = case_settings()
    # when
    saved = lookups.case_settings_update(
        prefix=" acme-2_pl ", incoming_status=row.incoming_status, reply_status=row.reply_status
    )
    # then
    assert saved.prefix == "ACME-2_PL"
    assert CaseSettings.objects.get().prefix == "ACME-2_PL"


@pytest.mark.parametrize("prefix", ["crm", "Ticket", "TICKETS", "case", "support", "HelpDesk"])
def test_generic_prefixes_are_refused(prefix) -> None:
    # given
    row = case_settings()
    # when
    with pytest.raises(ValidationError) as error:
        lookups.case_settings_update(
            prefix=prefix, incoming_status=row.incoming_status, reply_status=row.reply_status
        )
    # then
    assert messages_of(error) == {
        "prefix": [
            f"{prefix.upper()} is too generic: other companies' systems tag their mail with it "
            "too, so their messages could be filed into your cases and yours into theirs. "
            "Choose something specific to your company, for example its short name."
        ]
    }


@pytest.mark.parametrize("prefix", ["", "AC ME", "ACMÉ", "AC.ME", "[ACME]", "A" * 17])
def test_prefixes_with_other_characters_are_refused(prefix) -> None:
    # given
    row = case_settings()
    # when
    with pytest.raises(ValidationError) as error:
        lookups.case_settings_update(
            prefix=prefix, incoming_status=row.incoming_status, reply_status=row.reply_status
        )
    # then
    assert messages_of(error) == {
        "prefix": [
            "Use 1 to 16 characters: letters A–Z, digits, dashes and underscores, for example ACME."
        ]
    }
    assert CaseSettings.objects.get().prefix == row.prefix


def test_saving_the_settings_keeps_the_case_counter(admin) -> None:
    # given
    case = case_create(by=admin, subject="First")
    row = case_settings()
    # when
    lookups.case_settings_update(
        prefix="ACME", incoming_status=row.incoming_status, reply_status=row.reply_status
    )
    # then
    assert CaseSettings.objects.get().last_number == case.number


def test_lookup_values_count_the_cases_of_each_value(priorities, admin) -> None:
    # given
    case_create(by=admin, subject="One", data={"priority": priorities["High"]})
    case_create(by=admin, subject="Two", data={"priority": priorities["High"]})
    case_create(by=admin, subject="Three", data={"priority": priorities["Low"]})
    # when
    rows = lookups.lookup_values(Priority)
    # then
    assert [(row.name, row.case_count) for row in rows] == [("Low", 1), ("Normal", 0), ("High", 2)]
