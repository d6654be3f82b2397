"""The dashboards' pages, mounted at ``/dashboard/`` (``doorstep/urls.py``)."""

from __future__ import annotations

from django.urls import path

from . import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="insight-dashboard"),
    path("league/", dashboard.league_table, name="insight-league"),
]
