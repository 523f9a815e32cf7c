"""The portal's cases side: the cases, a case, a new case, shared documents."""

urlpatterns: list = []
