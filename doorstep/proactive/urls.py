from __future__ import annotations

from django.urls import path

from . import views

app_name = "proactive"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("check-rule/", views.check_rule, name="check-rule"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/preview/", views.programme_preview, name="preview"),
    path("<int:pk>/preview/export/", views.preview_export, name="preview-export"),
    path("<int:pk>/run/", views.programme_run, name="run-now"),
    path("<int:pk>/approve/", views.programme_approve, name="approve"),
    path("<int:pk>/switch/", views.programme_switch, name="switch"),
    path("<int:pk>/why/", views.why_search, name="why-search"),
    path("<int:pk>/why/<int:resident_pk>/", views.why, name="why"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/export/", views.run_export, name="run-export"),
    path("resident/<int:resident_pk>/", views.resident_programmes, name="resident"),
    path("r/<str:token>/", views.answer, name="answer"),
]
