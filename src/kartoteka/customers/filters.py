"""Filters of the account and contact lists, shared by the pages and the API."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.search_index import index_matches
from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.customers.pickers import AccountPickerFilter
from kartoteka.people.models import User
from kartoteka.people.pickers import UserPickerFilter

DIGITS = re.compile(r"\D")


def _digits(text: str) -> str:
    return DIGITS.sub("", text)


def account_search_q(text: str) -> Q:
    """Name, short name, NIP, REGON, city, email (own or a contact's) or phone contains text,
    or the global search finds the account (``core.search_index``: its words in any case and
    accents, the NIP, REGON, phone or address in any spelling, the words of its notes)."""
    text = text.strip()
    rule = index_matches(text, "account") | (
        contains_ignoring_case("name", text)
        | contains_ignoring_case("short_name", text)
        | contains_ignoring_case("city", text)
    )
    digits = _digits(text)
    if len(digits) >= 3 and len(digits) >= len(text.replace(" ", "").replace("-", "")) - 3:
        rule |= Q(nip__contains=digits) | Q(regon__contains=digits) | Q(phone__contains=digits)
        rule |= Q(
            Exists(
                PhoneNumber.objects.filter(contact__account=OuterRef("pk"), number__contains=digits)
            )
        )
    if "@" in text or "." in text:
        needle = text.lower()
        rule |= Q(
            Exists(EmailAddress.objects.filter(account=OuterRef("pk"), address__contains=needle))
        )
        rule |= Q(
            Exists(
                EmailAddress.objects.filter(
                    contact__account=OuterRef("pk"), address__contains=needle
                )
            )
        )
    return rule


def contact_search_q(text: str) -> Q:
    """Names, position, the customer's name, phone or email contains text, or the global search
    finds the contact (see ``account_search_q``)."""
    text = text.strip()
    rule = index_matches(text, "contact") | (
        contains_ignoring_case("first_name", text)
        | contains_ignoring_case("last_name", text)
        | contains_ignoring_case("position", text)
        | contains_ignoring_case("account__name", text)
    )
    words = text.split()
    if len(words) == 2:
        first, last = words
        for given, family in ((first, last), (last, first)):
            rule |= contains_ignoring_case("first_name", given) & contains_ignoring_case(
                "last_name", family
            )
    digits = _digits(text)
    if len(digits) >= 3:
        rule |= Q(
            Exists(PhoneNumber.objects.filter(contact=OuterRef("pk"), number__contains=digits))
        )
    if "@" in text or "." in text:
        rule |= Q(
            Exists(
                EmailAddress.objects.filter(contact=OuterRef("pk"), address__contains=text.lower())
            )
        )
    return rule


def _classification_filter(queryset: QuerySet, name: str, value: list[DictionaryEntry]) -> QuerySet:
    """Every chosen dictionary must match; entries of one dictionary are alternatives."""
    by_dictionary: dict[int, list[int]] = {}
    for entry in value:
        by_dictionary.setdefault(entry.dictionary_id, []).append(entry.pk)
    for entry_ids in by_dictionary.values():
        queryset = queryset.filter(
            Exists(
                queryset.model.classifications.through.objects.filter(
                    **{f"{queryset.model._meta.model_name}_id": OuterRef("pk")},
                    dictionaryentry_id__in=entry_ids,
                )
            )
        )
    return queryset


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Account.Kind.choices)
    segment = django_filters.ModelChoiceFilter(
        label=_("Segment"), field_name="segments", queryset=Segment.objects.all()
    )
    manager = UserPickerFilter(
        label=_("Account manager"),
        queryset=User.objects.exclude(role=User.Role.PORTAL).filter(is_active=True),
    )
    classification = django_filters.ModelMultipleChoiceFilter(
        label=_("Classification"),
        queryset=DictionaryEntry.objects.filter(
            dictionary__applies_to=Dictionary.AppliesTo.ACCOUNT
        ).select_related("dictionary"),
        method=_classification_filter.__name__,
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("city", "city"), ("created_at", "created_at"), ("nip", "nip")),
    )

    class Meta:
        model = Account
        fields = ["q", "kind", "segment", "manager", "classification"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(account_search_q(value)) if value.strip() else queryset

    def _classification_filter(
        self, queryset: QuerySet, name: str, value: list[DictionaryEntry]
    ) -> QuerySet:
        return _classification_filter(queryset, name, value)


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    account = AccountPickerFilter(
        label=_("Customer"), queryset=Account.objects.all(), method="by_account"
    )
    classification = django_filters.ModelMultipleChoiceFilter(
        label=_("Classification"),
        queryset=DictionaryEntry.objects.filter(
            dictionary__applies_to=Dictionary.AppliesTo.CONTACT
        ).select_related("dictionary"),
        method=_classification_filter.__name__,
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("last_name", "last_name"),
            ("account__name", "account"),
            ("created_at", "created_at"),
        ),
    )

    class Meta:
        model = Contact
        fields = ["q", "account", "classification"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(contact_search_q(value)) if value.strip() else queryset

    def by_account(self, queryset: QuerySet, name: str, value: Account | None) -> QuerySet:
        return queryset.filter(account=value) if value else queryset

    def _classification_filter(
        self, queryset: QuerySet, name: str, value: list[DictionaryEntry]
    ) -> QuerySet:
        return _classification_filter(queryset, name, value)
