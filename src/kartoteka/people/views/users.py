"""Pages of users, teams and each user's own preferences."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.core.once import submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.people import selectors, services, throttling, two_factor
from kartoteka.people.access import StaffRequest
from kartoteka.people.forms import (
    NotificationPreferencesForm,
    PasswordPairForm,
    PreferencesForm,
    TeamCreateForm,
    TeamForm,
    UserCreateForm,
    UserForm,
)
from kartoteka.people.models import Team, User

PAGE_SIZE = 100


# Preferences: every signed-in user.


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: StaffRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if form.is_valid():
        try:
            user = services.user_update(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            translation.activate(user.language)
            messages.success(request, _("Preferences saved."))
            return redirect("people:preferences")
    return _preferences_page(request, form=form)


@login_required
@require_POST
def notification_preferences(request: StaffRequest) -> HttpResponse:
    form = NotificationPreferencesForm(request.POST, instance=request.user)
    if form.is_valid():
        try:
            services.user_notification_preferences_set(
                user=request.user,
                auto_follow_new_cases=form.cleaned_data.get(
                    "auto_follow_new_cases", request.user.auto_follow_new_cases
                ),
                notification_email=form.cleaned_data["notification_email"],
                is_absent=form.cleaned_data.get("is_absent"),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Notification preferences saved."))
            return redirect("people:preferences")
    return _preferences_page(request, notification_form=form, status=422)


@login_required
@require_POST
def password_change(request: StaffRequest) -> HttpResponse:
    form = PasswordChangeForm(user=request.user, data=request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                user=request.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error("new_password2", error.messages)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Password changed."))
            return redirect("people:preferences")
    return _preferences_page(request, password_form=form, status=422)


def _preferences_page(
    request: StaffRequest,
    *,
    form: PreferencesForm | None = None,
    password_form: PasswordChangeForm | None = None,
    notification_form: NotificationPreferencesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    request.user.refresh_from_db()  # a refused form may have changed the instance
    context = {
        "nav": "preferences",
        "form": form or PreferencesForm(instance=request.user),
        "notification_form": notification_form
        or NotificationPreferencesForm(instance=request.user),
        "password_form": password_form or PasswordChangeForm(user=request.user),
    }
    return render(request, "people/preferences.html", context, status=status)


# Users: administrators only.


@administrator_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.user_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "users", "page_obj": page}
    return render(request, "people/user_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def user_create(request: StaffRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in UserForm.Meta.fields}
        try:
            _url, _created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: services.user_create(
                    data=data, password=form.cleaned_data["password"]
                ).get_absolute_url(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, _("User %(username)s created.") % {"username": data["username"]}
            )
            return redirect("people:user-list")
    return render(request, "people/user_form.html", {"nav": "users", "form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST or None, instance=user)
    if form.is_valid():
        try:
            services.user_update(user=user, data=form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("User %(user)s saved.") % {"user": user})
            return redirect("people:user-list")
    return _user_edit_page(request, pk, form=form)


@administrator_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = PasswordPairForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("New password set for %(user)s.") % {"user": user})
            return redirect(user)
    return _user_edit_page(request, pk, password_form=form, status=422)


@administrator_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        user = services.user_set_active(user=user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = _("%(user)s can sign in again.") if active else _("%(user)s is deactivated.")
        messages.success(request, done % {"user": user})
    return redirect(user)


def _user_edit_page(
    request: HttpRequest,
    pk: int,
    *,
    form: UserForm | None = None,
    password_form: PasswordPairForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The edit page of the stored user (a refused form may have changed its instance)."""
    user = get_object_or_404(User.objects.select_related("team"), pk=pk)
    context = {
        "nav": "users",
        "edited": user,
        "form": form or UserForm(instance=user),
        "password_form": password_form or PasswordPairForm(),
        "has_authenticator": two_factor.has_authenticator(user),
        "sign_in_locked": throttling.is_username_locked(user.get_username()),
    }
    return render(request, "people/user_edit.html", context, status=status)


# Teams: administrators only.


@administrator_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "people/team_list.html", {"nav": "teams", "teams": selectors.team_list()}
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def team_create(request: StaffRequest) -> HttpResponse:
    form = TeamCreateForm(request.POST or None)
    if form.is_valid():
        data = _team_data(form)
        try:
            _url, _created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: services.team_create(**data).get_absolute_url(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Team %(name)s created.") % {"name": data["name"]})
            return redirect("people:team-list")
    return render(request, "people/team_form.html", {"nav": "teams", "form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    form = TeamForm(request.POST or None, instance=team)
    if form.is_valid():
        try:
            services.team_update(team=team, **_team_data(form))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": team.name})
            return redirect("people:team-list")
    return render(request, "people/team_form.html", {"nav": "teams", "form": form, "team": team})


@administrator_required
@require_http_methods(["GET", "POST"])
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(selectors.team_list(), pk=pk)
    if request.method == "POST":
        services.team_delete(team=team)
        messages.success(request, _("Team %(name)s deleted.") % {"name": team.name})
        return redirect("people:team-list")
    return render(request, "people/team_confirm_delete.html", {"nav": "teams", "team": team})


def _team_data(form: TeamForm) -> dict[str, Any]:
    fields = ("name", "supervisor", "members", "auto_follow_new_cases")
    return {name: form.cleaned_data[name] for name in fields}
