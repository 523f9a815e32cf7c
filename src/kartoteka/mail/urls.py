from django.urls import path

from kartoteka.mail import views, views_attachments, views_canned, views_compose, views_triage

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
    path("compose/<int:number>/", views_compose.compose_view, name="compose"),
    path("compose/<int:number>/draft/", views_compose.draft_save, name="draft-save"),
    path(
        "compose/<int:number>/draft/<int:pk>/discard/",
        views_compose.draft_discard,
        name="draft-discard",
    ),
    # canned responses (views_canned)
    path("canned/", views_canned.canned_list, name="canned-list"),
    path("canned/new/", views_canned.canned_create, name="canned-create"),
    path("canned/<int:pk>/", views_canned.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete/", views_canned.canned_delete, name="canned-delete"),
    # triage and moving messages (views_triage)
    path("triage/", views_triage.triage_list, name="triage"),
    path("triage/<int:pk>/", views_triage.triage_message, name="triage-message"),
    path("messages/<int:pk>/move/", views_triage.message_move, name="message-move"),
    path("messages/<int:pk>/new-case/", views_triage.message_split, name="message-split"),
    path("triage/<int:pk>/new-case/", views_triage.triage_case_create, name="triage-case-create"),
    path("triage/<int:pk>/append/", views_triage.triage_append, name="triage-append"),
    path("triage/<int:pk>/remember/", views_triage.triage_remember, name="triage-remember"),
    path("triage/<int:pk>/discard/", views_triage.triage_discard, name="triage-discard"),
    path("triage/<int:pk>/restore/", views_triage.triage_restore, name="triage-restore"),
    path(
        "triage/cases/<int:number>/messages/",
        views_triage.triage_case_messages,
        name="triage-case-messages",
    ),
]

# attachments of stored messages (views_attachments)
urlpatterns += [
    path(
        "attachments/<int:pk>/",
        views_attachments.attachment_download,
        name="attachment-download",
    ),
    path(
        "attachments/<int:pk>/inline/",
        views_attachments.attachment_inline,
        name="attachment-inline",
    ),
]
