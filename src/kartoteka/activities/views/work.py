"""The "My work" start page is ``desk.views.work`` (URL ``desk:my-work``), not here: its
followed cases with news are the user's unread notifications, and ``notifications`` stands
above ``activities``. Its task sections read ``activities.work``."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
