"""The customer portal (``/portal/``): the sign-in side (``account_urls``: sign-in, invitation,
registration, password reset, profile) and the cases side (``case_urls``)."""

from django.urls import include, path
from django.views.generic import RedirectView

app_name = "portal"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:case-list"), name="home"),
    path("", include("kartoteka.portal.case_urls")),
    path("", include("kartoteka.portal.account_urls")),
]
