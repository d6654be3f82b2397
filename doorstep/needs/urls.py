from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.mine, name="needs-mine"),
    path("all/", views.area_list, name="needs-list"),
    path("new/", views.register, name="needs-register"),
    path("governance/", views.governance, name="needs-governance"),
    path("x/<str:token>/", views.external, name="needs-external"),
    path("<int:pk>/", views.detail, name="needs-detail"),
    path("<int:pk>/handoff/", views.hand_on, name="needs-handoff"),
    path("<int:pk>/handoff/accept/", views.accept_handoff, name="needs-handoff-accept"),
    path("<int:pk>/handoff/refuse/", views.refuse_handoff, name="needs-handoff-refuse"),
    path("<int:pk>/act/<str:verb>/", views.transition, name="needs-transition"),
    path("<int:pk>/extension/", views.extension, name="needs-extension"),
    path("<int:pk>/extension/decision/", views.extension_decision, name="needs-extension-decision"),
    path("<int:pk>/answer/", views.answer, name="needs-answer"),
    path("<int:pk>/callback/", views.callback, name="needs-callback"),
    path("<int:pk>/reopen/", views.reopen, name="needs-reopen"),
    path("<int:pk>/flag/", views.flag, name="needs-flag"),
    path("<int:pk>/photos/", views.add_photo, name="needs-photo-add"),
    path("<int:pk>/progress/", views.progress, name="needs-progress"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="needs-photo"),
]
