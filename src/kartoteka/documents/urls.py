from django.urls import path

from kartoteka.documents.views import documents as views
from kartoteka.documents.views import types

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/delete/", views.document_delete, name="delete"),
    path("<int:pk>/versions/", views.document_version_add, name="version-add"),
    path("<int:pk>/files/<int:file_pk>/", views.document_download, name="download"),
    path("types/", types.type_list, name="type-list"),
    path("types/new/", types.type_edit, name="type-create"),
    path("types/<int:pk>/", types.type_edit, name="type-edit"),
]
