"""The staff API, version 1 (``/api/v1/``, whose index lists every endpoint); the schema is
at ``/api/schema/``, its documentation page at ``/api/docs/`` (``api.docs``)."""

from __future__ import annotations

from django.urls import path

from kartoteka.activities import api as activities
from kartoteka.api import docs
from kartoteka.cases import api as cases
from kartoteka.cases.models import CaseGroup, CaseType, Category, Priority
from kartoteka.customers import api as customers
from kartoteka.documents import api as documents
from kartoteka.mail.api import messages
from kartoteka.mail.api import triage as mail
from kartoteka.people import api as people

app_name = "api-v1"
urlpatterns = [
    path("", docs.api_index, name="index"),
    path("token/", people.TokenObtainApi.as_view(), name="token"),
    path("accounts/", customers.AccountListApi.as_view(), name="account-list"),
    path("accounts/<int:pk>/", customers.AccountDetailApi.as_view(), name="account-detail"),
    path(
        "accounts/<int:pk>/documents/",
        documents.AccountDocumentListApi.as_view(),
        name="account-document-list",
    ),
    path("documents/<int:pk>/", documents.DocumentDetailApi.as_view(), name="document-detail"),
    path("contacts/", customers.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", customers.ContactDetailApi.as_view(), name="contact-detail"),
    path("cases/", cases.CaseListApi.as_view(), name="case-list"),
    path("cases/<int:number>/", cases.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:number>/history/", cases.CaseHistoryApi.as_view(), name="case-history"),
    path("cases/<int:number>/notes/", cases.NoteListApi.as_view(), name="case-note-list"),
    path("case-settings/", cases.CaseSettingsApi.as_view(), name="case-settings"),
    path(
        "case-settings/priorities/",
        cases.LookupListApi.as_view(model=Priority),
        name="case-priority-list",
    ),
    path(
        "case-settings/types/", cases.LookupListApi.as_view(model=CaseType), name="case-type-list"
    ),
    path(
        "case-settings/categories/",
        cases.LookupListApi.as_view(model=Category),
        name="case-category-list",
    ),
    path(
        "case-settings/groups/",
        cases.LookupListApi.as_view(model=CaseGroup),
        name="case-group-list",
    ),
    path("case-settings/statuses/", cases.StatusListApi.as_view(), name="case-status-list"),
    path("triage/", mail.TriageListApi.as_view(), name="triage-list"),
    path("triage/<int:pk>/", mail.TriageDetailApi.as_view(), name="triage-detail"),
    path("cases/<int:number>/messages/", messages.MessageListApi.as_view(), name="message-list"),
    path(
        "cases/<int:number>/messages/<int:pk>/",
        messages.MessageDetailApi.as_view(),
        name="message-detail",
    ),
    path("mailboxes/", messages.MailboxListApi.as_view(), name="mailbox-list"),
    path("mailboxes/<int:pk>/", messages.MailboxDetailApi.as_view(), name="mailbox-detail"),
    path("events/", activities.EventListApi.as_view(), name="event-list"),
    path("events/<int:pk>/", activities.EventDetailApi.as_view(), name="event-detail"),
    path("tasks/", activities.TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:pk>/", activities.TaskDetailApi.as_view(), name="task-detail"),
    path("threads/", activities.ThreadListApi.as_view(), name="thread-list"),
    path("event-types/", activities.EventTypeListApi.as_view(), name="event-type-list"),
    path("products/", activities.ProductListApi.as_view(), name="product-list"),
    path("resources/", activities.ResourceListApi.as_view(), name="resource-list"),
]
