from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "kartoteka.mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        from kartoteka.customers.timeline import source_register
        from kartoteka.mail.timeline_entries import MessageEntries

        source_register(MessageEntries())

        from kartoteka.core.search_index import source_register as search_source_register
        from kartoteka.mail.search_entries import MessageSource

        search_source_register(MessageSource())

        from kartoteka.cases.forms import case_form_extra_register
        from kartoteka.mail.forms.case_mailbox import CaseMailboxExtra

        case_form_extra_register(CaseMailboxExtra())
