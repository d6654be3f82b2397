from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dispute_list, name="disputes-list"),
    path("new/", views.register, name="disputes-register"),
    path("<int:pk>/", views.dispute_detail, name="disputes-detail"),
    path("<int:pk>/parties/", views.add_party, name="disputes-add-party"),
    path("<int:pk>/parties/<int:party_pk>/notice/", views.acknowledge, name="disputes-notice"),
    path("<int:pk>/sessions/", views.add_session, name="disputes-session"),
    path("<int:pk>/risk/", views.flag_risk, name="disputes-risk"),
    path("<int:pk>/outcome/", views.record_outcome, name="disputes-outcome"),
    path("<int:pk>/extend/", views.extend, name="disputes-extend"),
    path("<int:pk>/callback/", views.record_callback, name="disputes-callback"),
    path("<int:pk>/act/<str:verb>/", views.close, name="disputes-close"),
    path("<int:pk>/mediator/", views.request_mediator, name="disputes-request-mediator"),
    path("<int:pk>/mediator/decide/", views.decide_mediator, name="disputes-decide-mediator"),
    path("<int:pk>/attachments/", views.attach, name="disputes-attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="disputes-attachment"),
    path("<int:pk>/agreement.pdf", views.agreement_pdf, name="disputes-agreement-pdf"),
]
