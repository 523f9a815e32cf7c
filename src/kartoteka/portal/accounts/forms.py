"""Forms of the portal's sign-in side and of its staff pages; they validate input, the
services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kartoteka.customers.models import Account, PortalRole
from kartoteka.customers.pickers import account_picker
from kartoteka.people.models import User
from kartoteka.portal.guard import portal_contact_of


class PortalSignInForm(AuthenticationForm):
    """Django's sign-in form for portal logins only: a staff member's right password is
    refused with the wrong password's message, and counts as a failure like it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or the password is wrong."),
    }
    username = forms.CharField(
        label=_("Email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if portal_contact_of(user) is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise self.get_invalid_login_error()


class NewPasswordForm(forms.Form):
    """A new password, typed twice, checked by the installation's password validators."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class RegistrationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("Work email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notify_by_email = forms.BooleanField(
        label=_("Email me about new messages in my cases"), required=False
    )


class PasswordConfirmForm(forms.Form):
    """The current password, asked before two-factor sign-in is turned off."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is wrong."))
        return str(password)


# Staff pages


class PortalRoleForm(forms.ModelForm):
    class Meta:
        model = PortalRole
        fields = [
            "name",
            "sees_company_cases",
            "may_create_cases",
            "may_close_cases",
            "sees_shared_documents",
            "is_default",
        ]


class PortalSettingsForm(forms.Form):
    self_registration = forms.BooleanField(
        label=_("Self-registration"),
        required=False,
        help_text=_(
            "People with an address in a customer's registration domain may ask for a portal "
            "login themselves; the address is confirmed by email."
        ),
    )


class PortalDomainForm(forms.Form):
    account = account_picker(label=_("Customer"))
    domain = forms.CharField(label=_("Domain"), max_length=253)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            kind=Account.Kind.CUSTOMER
        )


class ContactRoleForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Portal role"), queryset=PortalRole.objects.all())
