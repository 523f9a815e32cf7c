from django.urls import path

from kartoteka.cases.views import cases, lists, pickers, settings

app_name = "cases"
urlpatterns = [
    path("", lists.case_list, name="case-list"),
    path("export.csv", lists.case_export, name="case-export"),
    path("delete/", lists.case_bulk_delete, name="case-bulk-delete"),
    path("new/", cases.case_create, name="case-create"),
    path("pick/case-workers/", pickers.case_worker_picks, name="pick-case-workers"),
    path("<int:number>/edit/", cases.case_edit, name="case-edit"),
    path("<int:number>/delete/", cases.case_delete, name="case-delete"),
    path("<int:number>/history/", cases.case_history, name="case-history"),
    path(
        "<int:number>/attachments/<int:pk>/",
        cases.case_attachment_download,
        name="case-attachment-download",
    ),
    path("settings/", settings.case_settings_edit, name="case-settings"),
    path(
        "settings/notifications/",
        settings.case_notice_settings_edit,
        name="case-notice-settings",
    ),
    path("settings/<slug:kind>/", settings.lookup_list, name="lookup-list"),
    path("settings/<slug:kind>/new/", settings.lookup_create, name="lookup-create"),
    path("settings/<slug:kind>/<int:pk>/", settings.lookup_edit, name="lookup-edit"),
    path("settings/<slug:kind>/<int:pk>/delete/", settings.lookup_delete, name="lookup-delete"),
]
