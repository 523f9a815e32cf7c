from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "kartoteka.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # A migration that rebuilds the cases table on SQLite drops the search triggers; the
        # framework's own hook after every migrate puts them back (see ``search``).
        from kartoteka.cases.search import search_index_repair

        post_migrate.connect(search_index_repair, sender=self)

        from kartoteka.cases.timeline_entries import CaseEntries
        from kartoteka.customers.timeline import source_register

        source_register(CaseEntries())

        from kartoteka.cases.search_entries import CaseSource, NoteSource
        from kartoteka.core.search_index import source_register as search_source_register

        search_source_register(CaseSource())
        search_source_register(NoteSource())
