from __future__ import annotations

from django.urls import path

from . import application_views, views

urlpatterns = [
    path("", views.case_list, name="cases-list"),
    path("queue/", views.review_queue, name="cases-queue"),
    path("new/", views.intake_pick, name="cases-intake"),
    path(
        "new/<int:resident_pk>/<str:service_code>/",
        views.intake_form,
        name="cases-intake-form",
    ),
    path("track/", views.track, name="cases-track"),
    # Matters filed by another system (Open311), waiting to be taken in.
    path("applications/", application_views.application_list, name="cases-applications"),
    path(
        "applications/<int:pk>/",
        application_views.application_detail,
        name="cases-application",
    ),
    path(
        "applications/<int:pk>/decline/",
        application_views.application_decline,
        name="cases-application-decline",
    ),
    path(
        "applications/<int:pk>/reveal/",
        application_views.application_reveal,
        name="cases-application-reveal",
    ),
    path("resident/<int:resident_pk>/", views.resident_cases, name="cases-resident"),
    path("<int:pk>/", views.case_detail, name="cases-detail"),
    path("<int:pk>/act/<str:verb>/", views.transition, name="cases-transition"),
    path("<int:pk>/materials/", views.receive_materials, name="cases-materials"),
    path("<int:pk>/accept/", views.accept, name="cases-accept"),
    path("<int:pk>/notice/", views.add_to_notice, name="cases-add-notice"),
    path("<int:pk>/trip/", views.record_trip, name="cases-trip"),
    path("<int:pk>/extension/", views.request_extension, name="cases-extension"),
    path(
        "<int:pk>/extension/<int:extension_pk>/decide/",
        views.decide_extension,
        name="cases-extension-decide",
    ),
    path("<int:pk>/supervision/", views.supervise, name="cases-supervision"),
    path("<int:pk>/note/", views.add_note, name="cases-note"),
    path("<int:pk>/attachments/", views.attach, name="cases-attach"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment,
        name="cases-attachment",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/pdf/",
        views.document_pdf,
        name="cases-document-pdf",
    ),
]
