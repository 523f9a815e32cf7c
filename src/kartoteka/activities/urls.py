"""The activities' pages; each views module lists its own paths."""

from __future__ import annotations

from kartoteka.activities.views import (
    calendar,
    events,
    feed,
    handover,
    lists,
    reminders,
    resources,
    supervision,
    tasks,
    threads,
    work,
)

app_name = "activities"

urlpatterns = [
    *events.urlpatterns,
    *threads.urlpatterns,
    *tasks.urlpatterns,
    *lists.urlpatterns,
    *resources.urlpatterns,
    *calendar.urlpatterns,
    *feed.urlpatterns,
    *reminders.urlpatterns,
    *work.urlpatterns,
    *supervision.urlpatterns,
    *handover.urlpatterns,
]
