from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kartoteka.documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from kartoteka.customers.timeline import source_register
        from kartoteka.documents.timeline_entries import DocumentEntries

        source_register(DocumentEntries())

        from kartoteka.core.search_index import source_register as search_source_register
        from kartoteka.documents.search_entries import DocumentSource

        search_source_register(DocumentSource())
