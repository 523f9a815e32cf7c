"""Pages of contacts: the people of customers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.core.lists import is_filtered, render_list
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.customers import selectors, services
from kartoteka.customers.file_filters import TimelineFilterForm
from kartoteka.customers.forms import ContactForm, group_entry_choices
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.customers.timeline import timeline_page
from kartoteka.customers.views.accounts import PAGE_SIZE
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_GET
def contact_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.contact_filterset(user=request.user, filters=request.GET)
    contacts = filterset.qs if filterset.is_valid() else Contact.objects.none()
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    group_entry_choices(filterset.form.fields["classification"])
    context = {
        "nav": "contacts",
        "filter": filterset,
        "page_obj": page,
        "filtered": is_filtered(request, filterset.filters),
    }
    return render_list(request, "customers/contact_list.html", context)


@staff_member_required
@require_GET
def contact_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The contact and, when they belong to a customer, that customer's file narrowed to them."""
    contact = selectors.contact_get_for_user(request.user, pk)
    context: dict[str, object] = {"nav": "contacts", "contact": contact}
    if contact.account is not None:
        filtered = any(name in request.GET for name in TimelineFilterForm.base_fields)
        filters = TimelineFilterForm(
            request.GET if filtered else None,
            user=request.user,
            account=contact.account,
            tab="timeline",
            contact=contact,
        )
        window = filters.window(
            user=request.user, account=contact.account, before=request.GET.get("before", "")
        )
        context |= {"tab": "timeline", "filters": filters, "page": timeline_page(window)}
    return render(request, "customers/contact_detail.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def contact_create(request: StaffRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, user=request.user, account=request.GET.get("account"))
    if form.is_valid():
        try:
            url, created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: services.contact_create(
                    by=request.user, **form.service_arguments()
                ).get_absolute_url(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            name = f"{form.cleaned_data['first_name']} {form.cleaned_data['last_name']}".strip()
            announce_creation(request, created, _("Contact %(name)s added.") % {"name": name})
            return redirect(url)
    context = {"nav": "contacts", "form": form}
    return render(request, "customers/contact_form.html", context, status=form.status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: StaffRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_user(request.user, pk, write=True)
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, user=request.user, contact=contact)
    if form.is_valid():
        try:
            services.contact_update(contact=contact, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": contact})
            return redirect(contact)
    context = {"nav": "contacts", "form": form, "contact": contact}
    return render(request, "customers/contact_form.html", context, status=form.status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: StaffRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.contact_delete(contact=contact, by=request.user)
        messages.success(request, _("Contact %(name)s deleted.") % {"name": contact})
        return redirect(contact.account or "customers:contact-list")
    return render(
        request, "customers/contact_confirm_delete.html", {"nav": "contacts", "contact": contact}
    )


@staff_member_required
@require_POST
def contact_email_clear_undeliverable(
    request: StaffRequest, pk: int, email_pk: int
) -> HttpResponse:
    """Clear an address's undeliverable mark (the contact's page shows it with this button)."""
    contact = selectors.contact_get_for_user(request.user, pk, write=True)
    address = get_object_or_404(EmailAddress, pk=email_pk, contact=contact)
    services.email_address_clear_undeliverable(address=address, by=request.user)
    messages.success(
        request,
        _("%(address)s is no longer marked undeliverable; automatic mail to it resumes.")
        % {"address": address.address},
    )
    return redirect(contact)
