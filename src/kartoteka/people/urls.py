from django.urls import path

from kartoteka.people import views

app_name = "people"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/password/", views.password_change, name="password-change"),
    path(
        "preferences/notifications/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
    path("users/<int:pk>/active/", views.user_set_active, name="user-set-active"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/", views.team_edit, name="team-edit"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team-delete"),
]
