"""The knowledge base's public pages (``/help/``): published public articles, no sign-in."""

app_name = "kb-public"

urlpatterns: list = []
