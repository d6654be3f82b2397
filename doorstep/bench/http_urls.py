"""The project's URLs plus the HTTP benchmark's floor endpoint (served only by the benchmark's
server: ``http_settings``)."""

from __future__ import annotations

from django.urls import path

from doorstep.urls import urlpatterns as project_urlpatterns

from .case_intake_http import floor_intake

urlpatterns = [
    path("bench/floor/intake/", floor_intake, name="bench-floor-intake"),
    *project_urlpatterns,
]
