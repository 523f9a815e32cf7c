"""The mailbox a case's mail goes out from, as the case forms offer it: a field of the new-case
and case-edit forms (``CaseMailboxExtra``, registered into ``cases.forms`` by
``MailConfig.ready``) and the case page's property edited in place (``CaseMailboxForm``).

The mailboxes offered are those that can send; the case's own is preselected, else the
default one. Choosing the default mailbox (or none) lets the case follow the default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.core.validation import show_service_errors
from kartoteka.mail.mailboxes import case_mailbox_set, mailbox_for_case, mailboxes_that_send
from kartoteka.mail.models import Mailbox

if TYPE_CHECKING:
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

NAME = "mailbox"


def case_mailbox_field(*, case: Case | None) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        label=_("Mailbox"),
        queryset=mailboxes_that_send(),
        required=False,
        empty_label=_("— the default mailbox —"),
        help_text=_("Replies and notifications of the case go out from it."),
    )
    field.initial = mailbox_for_case(case) if case is not None else Mailbox.objects.default()
    return field


class CaseMailboxExtra:
    """The case form's mailbox (see ``cases.forms.CaseFormExtra``)."""

    name = NAME

    def field(self, *, case: Case | None) -> forms.Field:
        return case_mailbox_field(case=case)

    def save(self, *, case: Case, value: Any, by: User | None) -> None:
        case_mailbox_set(case=case, mailbox=value, by=by)


class CaseMailboxForm(forms.Form):
    """The case's mailbox edited in place on the case page (shaped like
    ``cases.forms.CasePropertyForm``: ``name`` and ``field``)."""

    name = NAME

    def __init__(self, data: Any = None, *, case: Case) -> None:
        super().__init__(data)
        self.case = case
        self.fields[NAME] = case_mailbox_field(case=case)

    @property
    def field(self) -> forms.BoundField:
        return self[NAME]

    def add_service_errors(self, error: Any) -> None:
        show_service_errors(self, error)
