from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "kartoteka.workflows"
    verbose_name = _("Workflow rules")

    def ready(self) -> None:
        # What follows a happening stands above the cases that report it (see cases.happenings).
        from kartoteka.cases import happenings
        from kartoteka.workflows.followup import happening_reported

        happenings.follow_up_with(happening_reported)
