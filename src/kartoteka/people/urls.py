from django.urls import path

from kartoteka.people.views import pickers, sign_in_security, two_factor, users

app_name = "people"
urlpatterns = [
    path("preferences/", users.preferences, name="preferences"),
    path("preferences/password/", users.password_change, name="password-change"),
    path(
        "preferences/notifications/",
        users.notification_preferences,
        name="notification-preferences",
    ),
    path("preferences/two-factor/", two_factor.two_factor_setup, name="two-factor"),
    path(
        "preferences/two-factor/recovery-codes/",
        two_factor.recovery_codes_renew,
        name="recovery-codes-renew",
    ),
    path("users/", users.user_list, name="user-list"),
    path("pick/users/", pickers.user_picks, name="pick-users"),
    path("users/new/", users.user_create, name="user-create"),
    path("users/<int:pk>/", users.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", users.user_password, name="user-password"),
    path("users/<int:pk>/active/", users.user_set_active, name="user-set-active"),
    path(
        "users/<int:pk>/two-factor/reset/",
        two_factor.user_two_factor_reset,
        name="user-two-factor-reset",
    ),
    path("users/<int:pk>/unlock/", sign_in_security.user_unlock, name="user-unlock"),
    path("sign-in/", sign_in_security.sign_in_security, name="sign-in-security"),
    path("sign-in/unlock/", sign_in_security.sign_in_unlock, name="sign-in-unlock"),
    path("teams/", users.team_list, name="team-list"),
    path("teams/new/", users.team_create, name="team-create"),
    path("teams/<int:pk>/", users.team_edit, name="team-edit"),
    path("teams/<int:pk>/delete/", users.team_delete, name="team-delete"),
]
