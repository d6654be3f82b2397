from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("residents/", views.resident_list, name="people-list"),
    path("residents/search/", views.resident_search, name="people-search"),
    path("residents/new/", views.resident_create, name="people-create"),
    path("residents/import/", views.resident_import, name="people-import"),
    path("residents/import/template.xlsx", views.import_template, name="people-import-template"),
    path("residents/import/<int:pk>/", views.import_batch, name="people-import-batch"),
    path(
        "residents/import/<int:pk>/progress/",
        views.import_batch_progress,
        name="people-import-progress",
    ),
    path(
        "residents/import/<int:pk>/valid-rows/",
        views.import_batch_valid_rows,
        name="people-import-valid",
    ),
    path("residents/<int:pk>/", views.resident_detail, name="people-detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="people-edit"),
    path("residents/<int:pk>/reveal/<str:what>/", views.resident_reveal, name="people-reveal"),
    path(
        "residents/<int:pk>/certificates/new/",
        views.certificate_edit,
        name="people-certificate-create",
    ),
    path(
        "residents/<int:pk>/certificates/<int:cert>/edit/",
        views.certificate_edit,
        name="people-certificate-edit",
    ),
    path(
        "residents/<int:pk>/certificates/<int:cert>/delete/",
        views.certificate_delete,
        name="people-certificate-delete",
    ),
]
