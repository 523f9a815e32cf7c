from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from kartoteka.api.docs import api_docs

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    path("v1/", include("kartoteka.api.v1")),
]
