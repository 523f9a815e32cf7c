"""The endpoint of the user picker (``people.pickers``): active staff users, as JSON."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from kartoteka.core.access import staff_member_required
from kartoteka.core.pickers import picker_response
from kartoteka.people.access import StaffRequest
from kartoteka.people.pickers import USERS
from kartoteka.people.selectors import staff_users


@staff_member_required
@require_GET
def user_picks(request: StaffRequest) -> JsonResponse:
    return picker_response(request, USERS, staff_users())
