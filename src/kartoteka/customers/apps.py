from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kartoteka.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kartoteka.customers.timeline import source_register
        from kartoteka.customers.timeline_entries import CustomerChangeEntries

        source_register(CustomerChangeEntries())

        from kartoteka.core.search_index import source_register as search_source_register
        from kartoteka.customers.search_entries import AccountSource, ContactSource

        search_source_register(AccountSource())
        search_source_register(ContactSource())
