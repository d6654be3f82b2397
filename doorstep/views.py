"""The project's own pages: the home page (what each member of staff does first, by role, as
panels), a household's timeline (records of every app: see ``doorstep.household``) and logging
out."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from doorstep.cases import home as cases_home
from doorstep.desks import home as desks_home
from doorstep.disputes.worklist import panel as disputes_panel
from doorstep.feedback.home import panel as feedback_panel
from doorstep.household import access_household, open_timeline
from doorstep.insight import home as insight_home
from doorstep.needs.panel import home_panel as needs_panel
from doorstep.notify import home as notify_home
from doorstep.people.overview import residents_by_child_area
from doorstep.reception.home import panel as reception_panel
from doorstep.staff.choices import Role
from doorstep.staff.roles import StaffProfile, staff_profile
from doorstep.visits.home import panel as visits_panel

DESK_ROLES = {Role.CLERK, Role.COMMUNITY_LEAD, Role.GRID_WORKER}
LEAD_ROLES = {Role.STREET_LEAD, Role.DISTRICT_LEAD}

# The home page's panels: name -> context function ``(user, profile, today) -> dict | None``
# (None: no panel for this user). ``home.html`` includes each panel's template with
# ``panel=panels.<name>``; an app adds its panel with one line here and one include there.
Panel = Callable[[object, StaffProfile, datetime.date], dict | None]
PANELS: dict[str, Panel] = {
    "inbox": notify_home.panel,
    "desks": desks_home.panel,
    "cases_desk": cases_home.desk_panel,
    "cases_lead": cases_home.lead_panel,
    "disputes": disputes_panel,
    "needs": needs_panel,
    "visits": visits_panel,
    "reception": reception_panel,
    "feedback": feedback_panel,
    "figures": insight_home.panel,
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = staff_profile(user)
    today = timezone.localdate()
    show_counts = user.is_superuser or bool(profile.roles & LEAD_ROLES)
    counts = residents_by_child_area(user) if show_counts else None
    context = {
        "staff": profile,  # also used by the header; saves its query
        "panels": {name: panel(user, profile, today) for name, panel in PANELS.items()},
        "show_search": profile.can_view_residents
        and (user.is_superuser or bool(profile.roles & DESK_ROLES)),
        "area_counts": counts,
        "area_total": sum(c.residents for c in counts or ()),
        "is_reviewer": Role.REVIEWER in profile.roles,
    }
    return render(request, "home.html", context)


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """One household's timeline, for staff who may view its residents (404 for anyone else);
    opening it logs a view of each member's record."""
    found = access_household(request.user, pk)
    return render(request, "household.html", {"timeline": open_timeline(found, actor=request.user)})


class LogoutView(auth_views.LogoutView):
    """Django's logout, which also tells the browser to forget what it keeps of the site:
    phones are shared, and the visits worklist (the service worker's Cache Storage, the due
    list and the offline queue in localStorage) names residents. ``Clear-Site-Data`` leaves
    the cookies to Django (the session is already ended)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
