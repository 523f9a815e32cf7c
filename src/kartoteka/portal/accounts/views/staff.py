"""The staff's side of the portal: the administrator's portal roles, settings and
registration domains, and a contact's login (invite, resend, disable, enable, role) from the
contact's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.access import administrator_required, staff_member_required
from kartoteka.core.validation import show_service_errors
from kartoteka.customers.models import Contact, PortalRole
from kartoteka.people.access import StaffRequest
from kartoteka.portal.accounts import services
from kartoteka.portal.accounts.forms import (
    ContactRoleForm,
    PortalDomainForm,
    PortalRoleForm,
    PortalSettingsForm,
)
from kartoteka.portal.models import PortalDomain

NAV = "portal-roles"


def _settings_page(
    request: StaffRequest,
    *,
    settings_form: PortalSettingsForm | None = None,
    domain_form: PortalDomainForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": NAV,
        "roles": PortalRole.objects.all(),
        "settings_form": settings_form
        or PortalSettingsForm(
            initial={"self_registration": services.portal_settings().self_registration}
        ),
        "domains": PortalDomain.objects.select_related("account"),
        "domain_form": domain_form or PortalDomainForm(user=request.user),
    }
    return render(request, "portal/account/staff_roles.html", context, status=status)


@administrator_required
@require_http_methods(["GET"])
def role_list(request: StaffRequest) -> HttpResponse:
    return _settings_page(request)


@administrator_required
@require_http_methods(["GET", "POST"])
def role_create(request: StaffRequest) -> HttpResponse:
    return _role_form(request, PortalRole())


@administrator_required
@require_http_methods(["GET", "POST"])
def role_edit(request: StaffRequest, pk: int) -> HttpResponse:
    return _role_form(request, get_object_or_404(PortalRole, pk=pk))


def _role_form(request: StaffRequest, role: PortalRole) -> HttpResponse:
    form = PortalRoleForm(request.POST or None, instance=role)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in PortalRoleForm.Meta.fields}
        try:
            if role.pk:
                saved = services.portal_role_update(role=role, **data)
            else:
                saved = services.portal_role_create(**data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Portal role “%(role)s” saved.") % {"role": saved.name})
            return redirect("portal:staff-role-list")
    context = {"nav": NAV, "form": form, "role": role}
    status = 422 if form.errors else 200
    return render(request, "portal/account/staff_role_form.html", context, status=status)


@administrator_required
@require_http_methods(["GET", "POST"])
def role_delete(request: StaffRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(PortalRole, pk=pk)
    in_use = Contact.objects.filter(portal_role=role).count()
    if request.method == "POST":
        try:
            services.portal_role_delete(role=role)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Portal role “%(role)s” deleted.") % {"role": role.name})
        return redirect("portal:staff-role-list")
    context = {"nav": NAV, "role": role, "in_use": in_use}
    return render(request, "portal/account/staff_role_delete.html", context)


@administrator_required
@require_POST
def settings_save(request: StaffRequest) -> HttpResponse:
    form = PortalSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, settings_form=form, status=422)
    services.portal_settings_set(self_registration=form.cleaned_data["self_registration"])
    messages.success(request, _("Portal settings saved."))
    return redirect("portal:staff-role-list")


@administrator_required
@require_POST
def domain_add(request: StaffRequest) -> HttpResponse:
    form = PortalDomainForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            domain = services.portal_domain_add(
                account=form.cleaned_data["account"], domain=form.cleaned_data["domain"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, _("Registration domain %(domain)s added.") % {"domain": domain.domain}
            )
            return redirect("portal:staff-role-list")
    return _settings_page(request, domain_form=form, status=422)


@administrator_required
@require_POST
def domain_remove(request: StaffRequest, pk: int) -> HttpResponse:
    domain = get_object_or_404(PortalDomain, pk=pk)
    services.portal_domain_remove(domain=domain)
    messages.success(request, _("Registration domain %(domain)s removed.") % {"domain": domain})
    return redirect("portal:staff-role-list")


# A contact's login, from the contact's page


def _contact(request: StaffRequest, pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("account", "portal_user"), pk=pk
    )


@staff_member_required
@require_POST
def contact_invite(request: StaffRequest, pk: int) -> HttpResponse:
    """Invite the contact, or invite them again (the earlier link stops working)."""
    contact = _contact(request, pk)
    try:
        invited = services.portal_invite(contact=contact, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if invited.sent:
            messages.success(
                request,
                _("Invitation to the portal sent to %(email)s.") % {"email": invited.user.email},
            )
        else:
            messages.error(
                request,
                _(
                    "The invitation could not be sent: there is no default mailbox, or mail to "
                    "%(email)s is held back. Check Settings → Mailboxes and invite again."
                )
                % {"email": invited.user.email},
            )
    return redirect(contact)


@staff_member_required
@require_POST
def contact_login_active(request: StaffRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    if request.POST.get("active") not in ("0", "1"):
        messages.error(request, _("Choose whether the login is enabled or disabled."))
        return redirect(contact)
    active = request.POST["active"] == "1"
    try:
        services.portal_login_set_active(contact=contact, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            (
                _("The portal login of %(contact)s is enabled.")
                if active
                else _("The portal login of %(contact)s is disabled.")
            )
            % {"contact": contact},
        )
    return redirect(contact)


@staff_member_required
@require_POST
def contact_role(request: StaffRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = ContactRoleForm(request.POST)
    if form.is_valid():
        services.portal_login_set_role(contact=contact, role=form.cleaned_data["role"])
        messages.success(
            request,
            _("%(contact)s has the portal role “%(role)s” now.")
            % {"contact": contact, "role": form.cleaned_data["role"].name},
        )
    else:
        messages.error(request, _("Choose a portal role from the list."))
    return redirect(contact)
