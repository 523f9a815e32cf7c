from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kartoteka.activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from kartoteka.activities.timeline_entries import ActivityEntries
        from kartoteka.customers.timeline import source_register

        source_register(ActivityEntries())

        from kartoteka.activities.search_entries import EventSource
        from kartoteka.core.search_index import source_register as search_source_register

        search_source_register(EventSource())
