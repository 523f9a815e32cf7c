from django.urls import path

from kartoteka.webforms.views import manage, public

app_name = "webforms"

urlpatterns = [
    path("manage/", manage.form_list, name="form-list"),
    path("manage/new/", manage.form_create, name="form-create"),
    path("manage/<int:pk>/", manage.form_edit, name="form-edit"),
    path("manage/<int:pk>/delete/", manage.form_delete, name="form-delete"),
    path("manage/<int:pk>/secret/", manage.form_secret_renew, name="form-secret"),
    path("manage/<int:pk>/submissions/", manage.form_submissions, name="form-submissions"),
    path("manage/<int:pk>/preview/", manage.form_preview, name="form-preview"),
    path("<str:key>/", public.public_form, name="public"),
    path("<str:key>/thanks/", public.thanks, name="thanks"),
]
