"""The staff API, version 1 (``/api/v1/``); the schema is at ``/api/schema/``."""

from __future__ import annotations

from django.urls import path

from kartoteka.customers import api as customers

app_name = "api-v1"
urlpatterns = [
    path("accounts/", customers.AccountListApi.as_view(), name="account-list"),
    path("accounts/<int:pk>/", customers.AccountDetailApi.as_view(), name="account-detail"),
    path("contacts/", customers.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", customers.ContactDetailApi.as_view(), name="contact-detail"),
]
