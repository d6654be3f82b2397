from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="notify-inbox"),
    path("inbox/read/", views.mark_all_read, name="notify-read-all"),
    path("inbox/<int:pk>/open/", views.open_item, name="notify-open"),
    path("inbox/<int:pk>/read/", views.mark_read, name="notify-read"),
]
