from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "kartoteka.desk"
    verbose_name = _("Agent's desk")
