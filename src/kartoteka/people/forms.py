"""Forms of the people pages; they validate input, services write."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cache
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.forms.utils import ErrorList
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kartoteka.core.forms import CreateOnceModelForm
from kartoteka.people.models import SignInPolicy, Team, User
from kartoteka.people.selectors import staff_users


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, sorted (read from disk once per process)."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=time_zone_choices, label=_("Time zone"), **kwargs)  # type: ignore[arg-type]


class LanguageField(forms.ChoiceField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=settings.LANGUAGES, label=_("Language"), **kwargs)  # type: ignore[arg-type]


class UserForm(forms.ModelForm):
    """The administrator's form for a user's account (without password)."""

    language = LanguageField()
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "team",
            "language",
            "time_zone",
            "can_work_with_cases",
            "can_configure_cases",
            "is_absent",
            "auto_follow_new_cases",
            "notification_email",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.all()
        # Left out of a post (an older form, a script): kept as it is, not refused.
        self.fields["notification_email"].required = False
        if not self.instance.pk:
            self.initial.setdefault("language", settings.LANGUAGE_CODE)
            self.initial.setdefault("time_zone", settings.TIME_ZONE)
        elif not self.instance.time_zone:
            self.initial["time_zone"] = settings.TIME_ZONE

    def clean_notification_email(self) -> str:
        chosen = self.cleaned_data.get("notification_email")
        return chosen or self.instance.notification_email or User.NotificationEmail.IMMEDIATE


class PasswordPairForm(forms.Form):
    """A new password typed twice; the validators run in the service."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error(
                "password_again", _("The two passwords differ. Type the same one twice.")
            )
        return cleaned


class UserCreateForm(CreateOnceModelForm, PasswordPairForm, UserForm):
    field_order = [*UserForm.Meta.fields, "password", "password_again"]


# How long before a task's due time its reminder comes (minutes); 0: at the due time.
REMINDER_LEADS = [
    (0, _("At the due time")),
    (5, _("5 minutes before")),
    (15, _("15 minutes before")),
    (30, _("30 minutes before")),
    (60, _("1 hour before")),
    (1440, _("1 day before")),
]
# The choice of a reminder at 9:00 of the due day (``User.reminder_in_the_morning``).
IN_THE_MORNING = "morning"


def _reminder_choice(chosen: str) -> timedelta | str:
    return IN_THE_MORNING if chosen == IN_THE_MORNING else timedelta(minutes=int(chosen))


class ReminderLeadField(forms.TypedChoiceField):
    """When the user's task reminders come: a lead time offered in minutes (given as a
    ``timedelta``), or ``IN_THE_MORNING``."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            choices=[*REMINDER_LEADS, (IN_THE_MORNING, _("At 9:00 on the due day"))],
            coerce=_reminder_choice,
            empty_value=None,
            label=_("Remind me of my tasks"),
            help_text=_("For new tasks, unless the task says otherwise."),
            error_messages={"invalid_choice": _("Choose when your tasks' reminders come.")},
            **kwargs,  # type: ignore[arg-type]
        )


class PreferencesForm(forms.ModelForm):
    language = LanguageField()
    time_zone = TimeZoneField()
    reminder_lead = ReminderLeadField()

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "email",
            "language",
            "time_zone",
            "reminder_lead",
            "signature",
        ]
        widgets = {"signature": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.instance.works_with_cases:
            del self.fields["signature"]  # only who writes to customers signs
        if not self.instance.language:
            self.initial["language"] = settings.LANGUAGE_CODE
        if not self.instance.time_zone:
            self.initial["time_zone"] = settings.TIME_ZONE
        lead = int(self.instance.reminder_lead.total_seconds() // 60)
        in_the_morning = self.instance.reminder_in_the_morning
        self.initial["reminder_lead"] = IN_THE_MORNING if in_the_morning else lead
        field = cast(forms.TypedChoiceField, self.fields["reminder_lead"])
        field.required = False  # left out of a post (an older form, a script): kept as it is
        if lead not in dict(REMINDER_LEADS) and not in_the_morning:
            # set elsewhere (the API): kept as a choice
            field.choices = [
                *cast(list[tuple[object, object]], field.choices),
                (
                    lead,
                    ngettext("%(minutes)s minute before", "%(minutes)s minutes before", lead)
                    % {"minutes": lead},
                ),
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("reminder_lead")
        if chosen == IN_THE_MORNING:
            cleaned["reminder_lead"] = self.instance.reminder_lead
            cleaned["reminder_in_the_morning"] = True
        elif isinstance(chosen, timedelta):
            cleaned["reminder_in_the_morning"] = False
        else:  # left out of the post: kept as it is
            cleaned["reminder_lead"] = self.instance.reminder_lead
        return cleaned


class NotificationPreferencesForm(forms.ModelForm):
    """The user's own: following every new case, how notifications reach them by email, and
    whether they are away (assignment rules pass them over). Who does not work with cases
    chooses the email alone (their reminders of tasks)."""

    CASE_FIELDS = ("auto_follow_new_cases", "is_absent")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.instance.works_with_cases:
            for name in self.CASE_FIELDS:
                del self.fields[name]

    class Meta:
        model = User
        fields = ["auto_follow_new_cases", "notification_email", "is_absent"]
        labels = {"is_absent": _("I am away")}
        widgets = {"notification_email": forms.RadioSelect}
        error_messages = {
            "notification_email": {
                "invalid_choice": _("Choose one of the ways notifications reach you by email."),
                "required": _("Choose how notifications reach you by email."),
            }
        }


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """Staff users, each shown with the team they are in now."""

    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        if obj.team is None:
            return str(obj)
        return f"{obj} ({obj.team})"


class TeamForm(forms.ModelForm):
    members = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Members"),
        help_text=_("A user belongs to one team: choosing someone moves them from their team."),
    )

    class Meta:
        model = Team
        fields = ["name", "supervisor", "auto_follow_new_cases"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        supervisor = cast(forms.ModelChoiceField, self.fields["supervisor"])
        supervisor.queryset = staff_users().filter(
            Q(is_active=True) | Q(pk=self.instance.supervisor_id)
        )
        cast(StaffChoiceField, self.fields["members"]).queryset = staff_users()
        if self.instance.pk:
            self.initial["members"] = [member.pk for member in self.instance.members.all()]


class TeamCreateForm(CreateOnceModelForm, TeamForm):
    pass


class CodeForm(forms.Form):
    """A code from the authenticator app (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class SignInPolicyForm(forms.ModelForm):
    class Meta:
        model = SignInPolicy
        fields = ["two_factor_required_for_administrators"]


class UnlockForm(forms.Form):
    """Which lock an administrator lifts: a user name's or a client address's."""

    kind = forms.ChoiceField(choices=[("username", "username"), ("address", "address")])
    value = forms.CharField(max_length=255)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == "address":
            try:
                data["value"] = forms.GenericIPAddressField().clean(data.get("value"))
            except forms.ValidationError as error:
                self.add_error("value", error)
        return data


class LockedSignInForm(AuthenticationForm):
    """The sign-in form as a locked sign-in shows it: empty, with the lock's message."""

    def __init__(self, request: HttpRequest, *, message: str) -> None:
        super().__init__(request)
        self.message = message

    def non_field_errors(self) -> ErrorList:
        return self.error_class([self.message], error_class="nonfield", renderer=self.renderer)
