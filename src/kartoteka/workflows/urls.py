from django.urls import path

from kartoteka.workflows import views

app_name = "workflows"
urlpatterns = [
    path("", views.rule_list, name="rule-list"),
    path("new/", views.rule_create, name="rule-create"),
    path("<int:pk>/", views.rule_edit, name="rule-edit"),
    path("<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("<int:pk>/run/", views.rule_run_now, name="rule-run-now"),
]
