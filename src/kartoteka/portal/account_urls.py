"""The portal's sign-in side: sign-in, invitation, registration, password reset, profile, and
the staff's pages for portal roles, settings and a contact's login (``staff/``)."""

from django.urls import path

from kartoteka.portal.accounts.views import links, profile, public, sign_in, staff

urlpatterns = [
    path("login/", sign_in.PortalSignInView.as_view(), name="login"),
    path("login/code/", sign_in.sign_in_code, name="login-code"),
    path("logout/", sign_in.PortalSignOutView.as_view(), name="logout"),
    # The set-password pages come first: their names are no link's secret.
    path("invite/set-password/", links.invitation_password, name="invitation-password"),
    path("invite/<str:secret>/", links.invitation, name="invitation"),
    path("register/", public.registration, name="registration"),
    path("register/sent/", public.registration_sent, name="registration-sent"),
    path(
        "register/confirm/set-password/",
        links.registration_password,
        name="registration-password",
    ),
    path("register/confirm/<str:secret>/", links.registration_confirm, name="registration-confirm"),
    path("password-reset/", public.password_reset, name="password-reset"),
    path("password-reset/sent/", public.password_reset_sent, name="password-reset-sent"),
    path("password-reset/done/", public.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        public.PortalPasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.password_change, name="password-change"),
    path("profile/two-factor/", profile.two_factor_setup, name="two-factor"),
    path("profile/two-factor/off/", profile.two_factor_off, name="two-factor-off"),
    path(
        "profile/two-factor/recovery-codes/",
        profile.recovery_codes_renew,
        name="recovery-codes-renew",
    ),
    path("staff/roles/", staff.role_list, name="staff-role-list"),
    path("staff/roles/new/", staff.role_create, name="staff-role-create"),
    path("staff/roles/<int:pk>/", staff.role_edit, name="staff-role-edit"),
    path("staff/roles/<int:pk>/delete/", staff.role_delete, name="staff-role-delete"),
    path("staff/roles/settings/", staff.settings_save, name="staff-settings"),
    path("staff/roles/domains/", staff.domain_add, name="staff-domain-add"),
    path("staff/roles/domains/<int:pk>/delete/", staff.domain_remove, name="staff-domain-remove"),
    path("staff/contacts/<int:pk>/invite/", staff.contact_invite, name="staff-contact-invite"),
    path(
        "staff/contacts/<int:pk>/active/",
        staff.contact_login_active,
        name="staff-contact-active",
    ),
    path("staff/contacts/<int:pk>/role/", staff.contact_role, name="staff-contact-role"),
]
