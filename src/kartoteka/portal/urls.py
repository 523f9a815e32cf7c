"""The customer portal (``/portal/``): the sign-in side (``account_urls``: sign-in, invitation,
registration, password reset, profile) and the cases side (``case_urls``)."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("kartoteka.portal.case_urls")),
    path("", include("kartoteka.portal.account_urls")),
]
