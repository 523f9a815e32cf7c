"""The desk's pages stand under ``/cases/`` beside the cases' own (``cases.urls``); the personal
data pages (``desk.privacy.urls``) under ``/privacy/``."""

from django.urls import path

from kartoteka.desk.views import case_page, following, merge, page, work

app_name = "desk"
urlpatterns = [
    path("<int:number>/", case_page.case_detail, name="case-detail"),
    path("<int:number>/merge/", merge.case_merge, name="case-merge"),
    path("<int:number>/print/", page.case_print, name="case-print"),
    path("<int:number>/properties/<slug:name>/", page.case_property, name="case-property"),
    path(
        "<int:number>/conversation-order/",
        page.case_conversation_order,
        name="case-conversation-order",
    ),
    path("<int:number>/notes/", case_page.case_note_add, name="case-note-add"),
    path("<int:number>/follow/", following.case_follow, name="case-follow"),
    path("<int:number>/unfollow/", following.case_unfollow, name="case-unfollow"),
    path("<int:number>/attachments/", case_page.case_attachment_add, name="case-attachment-add"),
    path(
        "<int:number>/attachments/<int:pk>/shared/",
        case_page.case_attachment_share,
        name="case-attachment-share",
    ),
    path("work/", work.my_work, name="my-work"),
    path("work/<slug:key>/", work.my_work_section, name="my-work-section"),
]
