from django.urls import path

from kartoteka.mail import views, views_compose, views_triage

app_name = "mail"
urlpatterns = [
    path("mailboxes/", views.mailbox_list, name="mailbox-list"),
    path("mailboxes/new/", views.mailbox_create, name="mailbox-create"),
    path("mailboxes/test/", views.mailbox_test, name="mailbox-test-new"),
    path("mailboxes/<int:pk>/", views.mailbox_edit, name="mailbox-edit"),
    path("mailboxes/<int:pk>/delete/", views.mailbox_delete, name="mailbox-delete"),
    path("mailboxes/<int:pk>/test/", views.mailbox_test, name="mailbox-test"),
    path("mailboxes/<int:pk>/fetch/", views.mailbox_fetch, name="mailbox-fetch"),
    path("mailboxes/unreadable/", views.unparsable_list, name="unparsable-list"),
    path(
        "mailboxes/unreadable/<int:pk>/reprocess/",
        views.message_reprocess_view,
        name="message-reprocess",
    ),
    # the composer (views_compose)
    path("compose/<int:number>/", views_compose.compose, name="compose"),
    path("compose/<int:number>/draft/", views_compose.draft_save, name="draft-save"),
    # triage and moving messages (views_triage)
    path("triage/", views_triage.triage_list, name="triage"),
    path("triage/<int:pk>/", views_triage.triage_message, name="triage-message"),
    path("messages/<int:pk>/move/", views_triage.message_move, name="message-move"),
    path("messages/<int:pk>/new-case/", views_triage.message_split, name="message-split"),
]
