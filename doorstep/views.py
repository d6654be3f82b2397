"""The home page: what each member of staff does first, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from doorstep.people.overview import residents_by_child_area
from doorstep.staff.choices import Role
from doorstep.staff.roles import staff_profile

DESK_ROLES = {Role.CLERK, Role.COMMUNITY_LEAD, Role.GRID_WORKER}
LEAD_ROLES = {Role.STREET_LEAD, Role.DISTRICT_LEAD}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = staff_profile(user)
    show_counts = user.is_superuser or bool(profile.roles & LEAD_ROLES)
    counts = residents_by_child_area(user) if show_counts else None
    context = {
        "staff": profile,  # also used by the header; saves its query
        "show_search": profile.can_view_residents
        and (user.is_superuser or bool(profile.roles & DESK_ROLES)),
        "area_counts": counts,
        "area_total": sum(c.residents for c in counts or ()),
        "is_reviewer": Role.REVIEWER in profile.roles,
    }
    return render(request, "home.html", context)
