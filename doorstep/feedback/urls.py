from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.subject_list, name="feedback-list"),
    path("<int:pk>/", views.subject_detail, name="feedback-subject"),
    path("<int:pk>/callback/", views.record_callback, name="feedback-callback"),
    path("<int:pk>/appeal/", views.appeal, name="feedback-appeal"),
    path("appeals/", views.appeal_list, name="feedback-appeals"),
    path("appeals/<int:pk>/decide/", views.decide, name="feedback-decide"),
    path("rectifications/", views.rectification_list, name="feedback-rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="feedback-rectification"),
    path("rectifications/<int:pk>/settle/", views.settle, name="feedback-settle"),
    path("rectifications/<int:pk>/assign/", views.assign, name="feedback-assign"),
]
