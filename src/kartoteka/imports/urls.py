from django.urls import path

from kartoteka.imports.views import contacts
from kartoteka.imports.views import imports as views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("sample/", views.import_sample, name="sample"),
    path("template.<str:kind>", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/check/", views.import_check, name="check"),
    path("<int:pk>/duplicates/", views.import_duplicates, name="duplicates"),
    path("<int:pk>/rows/", views.rows_action, name="rows"),
    path("<int:pk>/rows/<int:row_pk>/", views.row_edit, name="row-edit"),
    path("<int:pk>/rows/<int:row_pk>/fix/", views.row_fix, name="row-fix"),
    path("<int:pk>/contacts/", contacts.contacts_upload, name="contacts"),
    path("<int:pk>/contacts/mapping/", contacts.contacts_mapping, name="contacts-mapping"),
    path("<int:pk>/contacts/action/", contacts.contacts_action, name="contacts-action"),
    path("<int:pk>/start/", views.import_start, name="start"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/progress.json", views.import_progress_json, name="progress-json"),
    path("<int:pk>/result/", views.import_result, name="result"),
    path("<int:pk>/undo/", views.import_undo, name="undo"),
]
