"""The knowledge base's staff pages (``/kb/``) and the case page's panel."""

from django.urls import path

from kartoteka.kb.views import articles, case_panel, categories

app_name = "kb"

urlpatterns = [
    path("", articles.article_list, name="article-list"),
    path("new/", articles.article_create, name="article-create"),
    path("preview/", articles.article_preview, name="article-preview"),
    path("<int:pk>/", articles.article_detail, name="article-detail"),
    path("<int:pk>/edit/", articles.article_edit, name="article-edit"),
    path("<int:pk>/delete/", articles.article_delete, name="article-delete"),
    path("<int:pk>/history/", articles.article_history, name="article-history"),
    path("<int:pk>/history/<int:number>/", articles.article_version, name="article-version"),
    path(
        "<int:pk>/history/<int:number>/restore/",
        articles.article_restore,
        name="article-restore",
    ),
    path("<int:pk>/files/", articles.attachment_add, name="attachment-add"),
    path("<int:pk>/files/<int:attachment>/", articles.attachment_download, name="attachment"),
    path(
        "<int:pk>/files/<int:attachment>/delete/",
        articles.attachment_delete,
        name="attachment-delete",
    ),
    path("categories/", categories.category_list, name="category-list"),
    path("categories/<int:pk>/", categories.category_edit, name="category-edit"),
    path("categories/<int:pk>/delete/", categories.category_delete, name="category-delete"),
    path("cases/<int:number>/", case_panel.case_panel, name="case-panel"),
    path("cases/<int:number>/find/", case_panel.case_picker, name="case-picker"),
    path("cases/<int:number>/link/", case_panel.case_link, name="case-link"),
    path("cases/<int:number>/unlink/", case_panel.case_unlink, name="case-unlink"),
]
