"""The knowledge base's public pages (``/help/``): published public articles, no sign-in
(a signed-in portal user also reads the portal ones)."""

from django.urls import path

from kartoteka.kb.views import public

app_name = "kb-public"

urlpatterns = [
    path("", public.help_home, name="home"),
    path("files/<int:article>/<int:pk>/", public.help_attachment, name="attachment"),
    path("<slug:category>/", public.help_category, name="category"),
    path("<slug:category>/<slug:slug>/", public.help_article, name="article"),
]
