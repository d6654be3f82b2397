from __future__ import annotations

from django.urls import path, re_path

from . import views

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    path("", views.docs, name="open311-docs"),
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.one_request, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="open311-token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="open311-updates"),
    re_path(r"^(?P<rest>.+)$", views.unknown),
]
