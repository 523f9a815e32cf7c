"""The endpoints of the customer and contact pickers (``customers.pickers``): JSON, at most
``core.pickers.PICKS_LIMIT`` rows the user may see."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from kartoteka.core.access import staff_member_required
from kartoteka.core.pickers import picker_response
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.pickers import ACCOUNT_CONTACTS, ACCOUNTS, CONTACTS
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_GET
def account_picks(request: StaffRequest) -> JsonResponse:
    return picker_response(request, ACCOUNTS, Account.objects.visible_to(request.user))


@staff_member_required
@require_GET
def contact_picks(request: StaffRequest) -> JsonResponse:
    """Any visible contact; with ``?account=ID`` that customer's only (none if hidden)."""
    contacts = Contact.objects.visible_to(request.user)
    account = request.GET.get("account", "")
    if not account:
        return picker_response(request, CONTACTS, contacts)
    if not account.isdigit() or len(account) > 18:
        return JsonResponse({"results": []})
    of_account = contacts.filter(account_id=int(account))
    return picker_response(request, ACCOUNT_CONTACTS, of_account)
