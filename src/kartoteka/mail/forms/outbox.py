"""The outbox page's filter: which view (waiting, failed, sent, cancelled) and, for sent mail,
how many days back."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.mail.sending import outbox_selectors as outbox

# The views name messages in the plural ("Wysłane"), unlike a message's own state ("Wysłana").
VIEW_CHOICES = [
    (outbox.QUEUED, pgettext_lazy("outbox view", "Waiting")),
    (outbox.FAILED, pgettext_lazy("outbox view", "Failed")),
    (outbox.SENT, pgettext_lazy("outbox view", "Sent")),
    (outbox.CANCELLED, pgettext_lazy("outbox view", "Cancelled")),
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
