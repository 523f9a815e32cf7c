from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kartoteka.core.health import healthz
from kartoteka.people.views import sign_in

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="desk:my-work"), name="home"),
    path("login/", sign_in.SignInView.as_view(), name="login"),
    path("login/code/", sign_in.sign_in_code, name="sign-in-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("kartoteka.customers.urls")),
    path("cases/", include("kartoteka.cases.urls")),
    path("cases/", include("kartoteka.desk.urls")),
    path("cases/rules/", include("kartoteka.workflows.urls")),
    path("settings/", include("kartoteka.core.urls")),
    path("people/", include("kartoteka.people.urls")),
    path("mail/", include("kartoteka.mail.urls")),
    path("documents/", include("kartoteka.documents.urls")),
    path("activities/", include("kartoteka.activities.urls")),
    path("privacy/", include("kartoteka.desk.privacy.urls")),
    path("notifications/", include("kartoteka.notifications.urls")),
    # The imports' API sits in /api/v1/ but beside the api app, which stands in its layer.
    path("api/v1/imports/", include("kartoteka.imports.api")),
    path("api/v1/kb/", include("kartoteka.kb.api")),
    path("api/v1/forms/", include("kartoteka.webforms.api")),
    path("api/", include("kartoteka.api.urls")),
    path("search/", include("kartoteka.search.urls")),
    path("imports/", include("kartoteka.imports.urls")),
    path("kb/", include("kartoteka.kb.urls")),
    path("help/", include("kartoteka.kb.public_urls")),
    path("portal/", include("kartoteka.portal.urls")),
    path("forms/", include("kartoteka.webforms.urls")),
]
