from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.reception_list, name="reception-list"),
    path("plan/", views.plan, name="reception-plan"),
    path("<int:pk>/", views.day_detail, name="reception-day"),
    path("<int:pk>/matters/", views.register_matter, name="reception-register"),
    path("<int:pk>/cancel/", views.cancel_day, name="reception-cancel"),
    path("<int:pk>/brief/", views.brief_page, name="reception-brief"),
    path("matters/<int:pk>/", views.matter_detail, name="reception-matter"),
    path("matters/<int:pk>/<str:verb>/", views.matter_write, name="reception-matter-write"),
    path("board/<str:code>/", views.board, name="reception-board"),
]
