from django.urls import path

from kartoteka.customers.views import accounts, contacts, merge, pickers, segments

app_name = "customers"
urlpatterns = [
    path("", accounts.account_list, name="account-list"),
    path("new/", accounts.account_create, name="account-create"),
    path("<int:pk>/", accounts.account_detail, name="account-detail"),
    path("<int:pk>/edit/", accounts.account_edit, name="account-edit"),
    path("<int:pk>/delete/", accounts.account_delete, name="account-delete"),
    path("<int:pk>/merge/", merge.account_merge_pick, name="account-merge"),
    path(
        "<int:pk>/merge/<int:other_pk>/",
        merge.account_merge_confirm,
        name="account-merge-confirm",
    ),
    path("contacts/", contacts.contact_list, name="contact-list"),
    path("contacts/new/", contacts.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact-delete"),
    path(
        "contacts/<int:pk>/emails/<int:email_pk>/clear-undeliverable/",
        contacts.contact_email_clear_undeliverable,
        name="contact-email-clear-undeliverable",
    ),
    path("pick/accounts/", pickers.account_picks, name="pick-accounts"),
    path("pick/contacts/", pickers.contact_picks, name="pick-contacts"),
    path("segments/", segments.segment_list, name="segment-list"),
    path("segments/new/", segments.segment_create, name="segment-create"),
    path("segments/<int:pk>/", segments.segment_edit, name="segment-edit"),
    path("segments/<int:pk>/delete/", segments.segment_delete, name="segment-delete"),
]
