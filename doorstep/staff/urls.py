from __future__ import annotations

from django.urls import path

from . import password, views

urlpatterns = [
    path("", views.staff_list, name="staff-list"),
    path("new/", views.staff_create, name="staff-create"),
    path("<int:pk>/", views.staff_detail, name="staff-detail"),
    path("<int:pk>/grants/", views.staff_grant, name="staff-grant"),
    path("<int:pk>/grants/<int:grant_pk>/revoke/", views.staff_revoke, name="staff-revoke"),
    path("<int:pk>/active/", views.staff_active, name="staff-active"),
    path("<int:pk>/password/", views.staff_password, name="staff-password"),
    # The signed-in member of staff's own password.
    path("me/password/", password.PasswordChangeView.as_view(), name="staff-password-change"),
    path(
        "me/password/done/",
        password.PasswordChangeDoneView.as_view(),
        name="staff-password-change-done",
    ),
]
