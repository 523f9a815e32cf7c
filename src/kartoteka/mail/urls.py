from django.urls import path

from kartoteka.mail.views import (
    archive,
    attachments,
    canned,
    compose,
    ignored,
    mailboxes,
    new_email,
    newcomers,
    outbox,
    triage,
)

app_name = "mail"
urlpatterns = [
    path("mailboxes/", mailboxes.mailbox_list, name="mailbox-list"),
    path("mailboxes/new/", mailboxes.mailbox_create, name="mailbox-create"),
    path("mailboxes/test/", mailboxes.mailbox_test, name="mailbox-test-new"),
    path("mailboxes/<int:pk>/", mailboxes.mailbox_edit, name="mailbox-edit"),
    path("mailboxes/<int:pk>/delete/", mailboxes.mailbox_delete, name="mailbox-delete"),
    path("mailboxes/<int:pk>/test/", mailboxes.mailbox_test, name="mailbox-test"),
    path("mailboxes/<int:pk>/fetch/", mailboxes.mailbox_fetch, name="mailbox-fetch"),
    path("mailboxes/unreadable/", mailboxes.unparsable_list, name="unparsable-list"),
    path(
        "mailboxes/unreadable/<int:pk>/reprocess/",
        mailboxes.message_reprocess_view,
        name="message-reprocess",
    ),
    path("mailboxes/ignored/", ignored.ignored_list, name="ignored-list"),
    path(
        "mailboxes/ignored/<int:pk>/to-triage/",
        ignored.ignored_to_triage,
        name="ignored-to-triage",
    ),
    # the composer (views/compose.py)
    path("compose/<int:number>/", compose.compose_view, name="compose"),
    path("compose/new/", new_email.new_email_view, name="compose-new"),
    path("compose/<int:number>/draft/", compose.draft_save, name="draft-save"),
    path(
        "compose/<int:number>/draft/<int:pk>/discard/",
        compose.draft_discard,
        name="draft-discard",
    ),
    # canned responses (views/canned.py)
    path("canned/", canned.canned_list, name="canned-list"),
    path("canned/new/", canned.canned_create, name="canned-create"),
    path("canned/<int:pk>/", canned.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete/", canned.canned_delete, name="canned-delete"),
    # triage and moving messages (views/triage.py)
    path("triage/", triage.triage_list, name="triage"),
    path("triage/<int:pk>/", triage.triage_message, name="triage-message"),
    path("messages/<int:pk>/", archive.message_detail, name="message-detail"),
    path("messages/<int:pk>/to-case/", archive.message_to_case, name="message-to-case"),
    path("messages/<int:pk>/move/", triage.message_move, name="message-move"),
    path("messages/<int:pk>/new-case/", triage.message_split, name="message-split"),
    path(
        "messages/<int:pk>/not-in-case/",
        newcomers.message_not_in_case,
        name="message-not-in-case",
    ),
    path("triage/<int:pk>/new-case/", triage.triage_case_create, name="triage-case-create"),
    path("triage/<int:pk>/append/", triage.triage_append, name="triage-append"),
    path("triage/<int:pk>/remember/", triage.triage_remember, name="triage-remember"),
    path("triage/<int:pk>/discard/", triage.triage_discard, name="triage-discard"),
    path("triage/<int:pk>/restore/", triage.triage_restore, name="triage-restore"),
    path(
        "triage/cases/<int:number>/messages/",
        triage.triage_case_messages,
        name="triage-case-messages",
    ),
]

# the outbox: outgoing mail to watch, retry and cancel (views/outbox.py)
urlpatterns += [
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/count/", outbox.outbox_count, name="outbox-count"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox-retry"),
    path("outbox/<int:pk>/cancel/", outbox.outbox_cancel, name="outbox-cancel"),
]

# attachments of stored messages (views/attachments.py)
urlpatterns += [
    path(
        "attachments/<int:pk>/",
        attachments.attachment_download,
        name="attachment-download",
    ),
    path(
        "attachments/<int:pk>/inline/",
        attachments.attachment_inline,
        name="attachment-inline",
    ),
]
