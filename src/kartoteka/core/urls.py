from django.urls import path

from kartoteka.core import health, views

app_name = "core"
urlpatterns = [
    path("dictionaries/", views.dictionary_list, name="dictionary-list"),
    path("dictionaries/new/", views.dictionary_create, name="dictionary-create"),
    path("dictionaries/<int:pk>/", views.dictionary_edit, name="dictionary-edit"),
    path("dictionaries/<int:pk>/delete/", views.dictionary_delete, name="dictionary-delete"),
    path(
        "dictionaries/<int:pk>/entries/",
        views.dictionary_entry_add,
        name="dictionary-entry-add",
    ),
    path(
        "dictionaries/<int:pk>/entries/<int:entry_pk>/rename/",
        views.dictionary_entry_rename,
        name="dictionary-entry-rename",
    ),
    path(
        "dictionaries/<int:pk>/entries/<int:entry_pk>/move/",
        views.dictionary_entry_move,
        name="dictionary-entry-move",
    ),
    path(
        "dictionaries/<int:pk>/entries/<int:entry_pk>/delete/",
        views.dictionary_entry_delete,
        name="dictionary-entry-delete",
    ),
    path("worker-banner/", health.worker_banner, name="worker-banner"),
]
