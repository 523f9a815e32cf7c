from django.urls import path

from kartoteka.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read/", views.notifications_read_all, name="read-all"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
