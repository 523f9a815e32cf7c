"""The request of a signed-in staff member, as the views type it (the checks themselves are
``core.access``'s decorators)."""

from __future__ import annotations

from kartoteka.core.access import HtmxRequest
from kartoteka.people.models import User


class StaffRequest(HtmxRequest):
    """A request that ``core.access.staff_member_required`` let through."""

    user: User  # type: ignore[assignment]
