"""Pages of customers (accounts): the list, the customer file and its forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import staff_member_required
from kartoteka.core.lists import is_filtered, render_list
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.customers import selectors, services
from kartoteka.customers.file_filters import TAB_LABELS, TABS, TimelineFilterForm
from kartoteka.customers.forms import AccountForm, group_entry_choices
from kartoteka.customers.models import Account
from kartoteka.customers.timeline import file_figures, timeline_page
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 25


@staff_member_required
@require_GET
def account_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.account_filterset(user=request.user, filters=request.GET)
    accounts = filterset.qs if filterset.is_valid() else Account.objects.none()
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    group_entry_choices(filterset.form.fields["classification"])
    context = {
        "nav": "accounts",
        "filter": filterset,
        "page_obj": page,
        "filtered": is_filtered(request, filterset.filters),
    }
    return render_list(request, "customers/account_list.html", context)


@staff_member_required
@require_GET
def account_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The customer file: the header with key figures, then a tab (``file_filters.TABS``)."""
    account = selectors.account_get_for_user(request.user, pk)
    tab = request.GET.get("tab", "timeline")
    if tab not in TABS:
        tab = "timeline"
    filters = TimelineFilterForm(
        request.GET if _filtered(request) else None, user=request.user, account=account, tab=tab
    )
    page = None
    if tab != "contacts":
        window = filters.window(
            user=request.user, account=account, before=request.GET.get("before", "")
        )
        page = timeline_page(window)
    context = {
        "nav": "accounts",
        "account": account,
        "can_delete": selectors.account_can_delete(request.user, account),
        "figures": file_figures(request.user, account.pk),
        "tab": tab,
        "tabs": TAB_LABELS,
        "tab_label": TAB_LABELS[tab],
        "filters": filters,
        "page": page,
    }
    return render(request, "customers/account_detail.html", context)


def _filtered(request: StaffRequest) -> bool:
    return any(name in request.GET for name in TimelineFilterForm.base_fields)


@staff_member_required
@require_http_methods(["GET", "POST"])
def account_create(request: StaffRequest) -> HttpResponse:
    form = AccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_valid():
        try:
            url, created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: services.account_create(
                    by=request.user, **form.service_arguments()
                ).get_absolute_url(),
            )
        except ValidationError as error:
            _show_service_errors(form, error)
        else:
            name = form.cleaned_data["name"]
            announce_creation(request, created, _("Customer %(name)s added.") % {"name": name})
            return redirect(url)
    context = {"nav": "accounts", "form": form, "duplicates": _duplicates(request, form)}
    return render(request, "customers/account_form.html", context, status=form.status)


def _show_service_errors(form: AccountForm, error: ValidationError) -> None:
    form.add_service_errors(error)
    if services.has_duplicate_warning(error):
        form.offer_duplicate_confirmation()


def _duplicates(
    request: StaffRequest, form: AccountForm, account: Account | None = None
) -> selectors.DuplicateHolders | None:
    """The accounts sharing the NIP or REGON, when the form asks to confirm it."""
    if "confirm_duplicate" not in form.fields:
        return None
    return selectors.account_duplicates_for_user(
        request.user, **form.identifiers(), exclude_pk=account.pk if account else None
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def account_edit(request: StaffRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk, write=True)
    form = AccountForm(
        request.POST if request.method == "POST" else None, user=request.user, account=account
    )
    if form.is_valid():
        try:
            services.account_update(account=account, by=request.user, **form.service_arguments())
        except ValidationError as error:
            _show_service_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s saved.") % {"name": account.name})
            return redirect(account)
    context = {
        "nav": "accounts",
        "form": form,
        "account": account,
        "duplicates": _duplicates(request, form, account),
    }
    return render(request, "customers/account_form.html", context, status=form.status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def account_delete(request: StaffRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk, write=True)
    if not selectors.account_can_delete(request.user, account):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.account_delete(account=account, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(account)
        messages.success(request, _("Customer %(name)s deleted.") % {"name": account.name})
        return redirect("customers:account-list")
    context = {"nav": "accounts", "account": account, "contact_count": len(account.contacts.all())}
    return render(request, "customers/account_confirm_delete.html", context)
