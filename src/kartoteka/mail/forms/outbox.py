"""The outbox page's filter: which view (waiting, failed, sent, cancelled) and, for sent mail,
how many days back."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.mail.sending import outbox_selectors as outbox

VIEW_CHOICES = [
    (outbox.QUEUED, _("Waiting")),
    (outbox.FAILED, _("Failed")),
    (outbox.SENT, _("Sent")),
    (outbox.CANCELLED, _("Cancelled")),
]
DAYS_CHOICES = [(1, _("Last day")), (7, _("Last 7 days")), (30, _("Last 30 days"))]


class OutboxFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("Show"), choices=VIEW_CHOICES, required=False)
    days = forms.TypedChoiceField(
        label=_("Period"), choices=DAYS_CHOICES, coerce=int, required=False
    )

    def chosen(self) -> tuple[str, int]:
        """(view, days): what the query asks for, the defaults for anything else (a filter
        of a list never fails the page)."""
        if not self.is_valid():
            return outbox.FAILED, outbox.SENT_DAYS_DEFAULT
        view = self.cleaned_data.get("view") or outbox.FAILED
        days = self.cleaned_data.get("days") or outbox.SENT_DAYS_DEFAULT
        return view, days
