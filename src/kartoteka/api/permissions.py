"""Who may use the staff API."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


class IsStaffMember(BasePermission):
    """Signed-in, active company staff (portal users have their own endpoints)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_member)


class WorksWithCases(IsStaffMember):
    """Staff who work with cases: administrators, managers and those granted it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and bool(request.user.works_with_cases)
