"""The endpoint of the case-worker picker (``cases.pickers``)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from kartoteka.cases.pickers import CASE_WORKERS
from kartoteka.cases.selectors import case_workers
from kartoteka.core.access import case_worker_required
from kartoteka.core.pickers import picker_response
from kartoteka.people.access import StaffRequest


@case_worker_required
@require_GET
def case_worker_picks(request: StaffRequest) -> JsonResponse:
    """Users who work with cases, as JSON."""
    return picker_response(request, CASE_WORKERS, case_workers())
