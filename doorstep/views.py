"""The project's own pages: the home page (for staff, what each does first, by role, as panels;
for residents, the front door: find the compound's desk, book, track, guides), the compound
finder, the elderly-mode switch, a household's timeline (records of every app: see
``doorstep.household``) and logging out."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from doorstep import finder
from doorstep.cases import home as cases_home
from doorstep.core.elderly import ELDERLY_COOKIE
from doorstep.desks import home as desks_home
from doorstep.disputes.worklist import panel as disputes_panel
from doorstep.feedback.home import panel as feedback_panel
from doorstep.household import access_household, open_timeline
from doorstep.insight import home as insight_home
from doorstep.needs.panel import home_panel as needs_panel
from doorstep.notify import home as notify_home
from doorstep.people.overview import residents_by_child_area
from doorstep.reception.home import panel as reception_panel
from doorstep.reception.models import ReceptionDay
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


def home(request: HttpRequest) -> HttpResponse:
    """Staff get their panels; everyone else the residents' front door."""
    if not request.user.is_authenticated:
        return residents_home(request)
    return staff_home(request)


NEXT_RECEPTION_DAYS = 3


def residents_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = (
        ReceptionDay.objects.announced(today)
        .select_related("area", "venue")
        .order_by("date", "start")[:NEXT_RECEPTION_DAYS]
    )
    return render(request, "front/home.html", {"reception_days": list(days)})


@require_GET
def find_compound(request: HttpRequest) -> HttpResponse:
    """The compound finder's results: each links to the compound's desk page."""
    text = request.GET.get("q", "")
    context: dict = {"query": text[: finder.MAX_QUERY * 2]}
    status = 200
    try:
        context["found"] = finder.find_compounds(text)
    except finder.BadQuery as exc:
        context["error"], status = str(exc), 400
    return render(request, "front/find.html", context, status=status)


@require_POST
def elderly(request: HttpRequest) -> HttpResponse:
    """Switch the elderly mode (适老化: bigger text, on every page) on or off; kept in a cookie
    for a year, read by ``core.elderly.context``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=365 * 86400, samesite="Lax")
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
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
