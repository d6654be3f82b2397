from django.urls import path

from . import views

urlpatterns = [
    path("compound/<str:code>/", views.compound_page, name="desks-compound"),
    path("compound/<str:code>/poster/", views.compound_poster, name="desks-poster"),
    path("book/<int:slot_pk>/", views.book, name="desks-book"),
    path("confirm/<str:code>/", views.confirm, name="desks-confirm"),
    path("booked/<str:code>/", views.booked, name="desks-booked"),
    path("cancel/", views.cancel, name="desks-cancel"),
    path("today/", views.today, name="desks-today"),
    path("session/<int:pk>/", views.session_detail, name="desks-session"),
    path("session/<int:pk>/ticket/", views.issue_ticket, name="desks-issue-ticket"),
    path("session/<int:pk>/cancel/", views.cancel_session, name="desks-cancel-session"),
    path("session/<int:pk>/book/", views.book_for_resident, name="desks-book-for"),
    path("session/<int:pk>/call-next/", views.call_next, name="desks-call-next"),
    path("session/<int:pk>/display/", views.display, name="desks-display"),
    path(
        "appointment/<int:pk>/<str:status>/",
        views.mark_appointment,
        name="desks-mark-appointment",
    ),
    path("ticket/<int:pk>/serve/", views.serve_ticket, name="desks-serve-ticket"),
]
