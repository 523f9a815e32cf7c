"""The personal data pages, under ``/privacy/``."""

from django.urls import path

from kartoteka.desk.privacy import views

app_name = "privacy"
urlpatterns = [
    path("accounts/<int:pk>/export/", views.account_export, name="account-export"),
    path("contacts/<int:pk>/export/", views.contact_export, name="contact-export"),
    path("contacts/<int:pk>/erase/", views.contact_erase_confirm, name="contact-erase"),
]
