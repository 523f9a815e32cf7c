from django.apps import AppConfig
from django.db.models import fields
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kartoteka.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The blank choice of every select (Django's "- Select an option -", which Django's
        # own Polish and Czech catalogues leave untranslated): one wording, translated.
        fields.BLANK_CHOICE_LABEL = _("Choose…")
        # A migration that rebuilds the entry table on SQLite drops the search index's
        # triggers; the framework's own hook after every migrate puts them back.
        # An installation with data from before the index gets its index on that migrate.
        from kartoteka.core.search_index import index_fill_if_empty, index_repair

        post_migrate.connect(index_repair, sender=self)
        post_migrate.connect(index_fill_if_empty, sender=self)
