from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.worklist, name="visits-worklist"),
    path("sw.js", views.service_worker, name="visits-sw"),
    path("log/<int:household_pk>/", views.log, name="visits-log"),
    path("history/", views.history, name="visits-list"),
    path("coverage/", views.coverage_page, name="visits-coverage"),
    path("silent/", views.silent, name="visits-silent"),
    path("rules/", views.rules, name="visits-rules"),
    path("rules/<int:pk>/remove/", views.remove_rule, name="visits-rule-remove"),
    path("<int:pk>/", views.detail, name="visits-detail"),
    path("<int:pk>/photos/", views.add_photo, name="visits-add-photo"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="visits-photo"),
]
