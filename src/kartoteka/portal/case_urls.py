"""The portal's cases side: the cases, a case, a new case, shared documents."""

from django.urls import path

from kartoteka.portal.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/new/suggestions/", views.case_suggestions, name="case-suggestions"),
    path("cases/<int:number>/", views.case_detail, name="case-detail"),
    path("cases/<int:number>/reply/", views.case_reply, name="case-reply"),
    path("cases/<int:number>/close/", views.case_close, name="case-close"),
    path("cases/<int:number>/reopen/", views.case_reopen, name="case-reopen"),
    path("cases/<int:number>/files/<int:pk>/", views.case_file, name="case-file"),
    path("cases/<int:number>/mail-files/<int:pk>/", views.case_mail_file, name="case-mail-file"),
    path(
        "cases/<int:number>/mail-files/<int:pk>/inline/",
        views.case_mail_file_inline,
        name="case-mail-file-inline",
    ),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:document_pk>/files/<int:pk>/", views.document_file, name="document-file"),
]
