"""The cases panels of the home page: a desk clerk's cases due soon, 容缺 deadlines and the
applications from other systems waiting to be taken in (``cases/_home_desk.html``), a lead's
overdue cases by child area (``cases/_home_lead.html``).
Each panel's context function costs a fixed number of queries, whatever the number of cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from doorstep.people.overview import child_code, parent_prefixes
from doorstep.places.models import Area
from doorstep.staff.choices import Role
from doorstep.staff.roles import VIEW_CASES

from .actions.followups import REMIND_DAYS_BEFORE
from .models import Case, RemoteApplication

SHOWN = 10  # rows each list shows; "more" links to the full, filtered list
LEAD_ROLES = frozenset({Role.COMMUNITY_LEAD, Role.STREET_LEAD, Role.DISTRICT_LEAD})
RELATED = ("service", "resident")


def _first(rows) -> tuple[list[Case], bool]:
    """The first ``SHOWN`` rows and whether there are more, from one query."""
    found = list(rows[: SHOWN + 1])
    return found[:SHOWN], len(found) > SHOWN


def desk_panel(user, profile, today: datetime.date) -> dict | None:
    """For staff who carry cases (clerks, community leads): running cases in their areas whose
    clock is yellow or red (the case's own "due soon" day, ``warn_on``, 80% of its working-day
    limit, has come), overdue first; and open cases whose materials to follow (容缺) are due
    within ``REMIND_DAYS_BEFORE`` days or late; and how many applications from other systems
    wait in their areas. Three queries."""
    if not profile.can_handle_cases:
        return None
    mine = Case.objects.visible_to(user).select_related(*RELATED)
    due, more_due = _first(
        mine.running()
        .filter(Q(warn_on__lte=today) | Q(due_on__lt=today))
        .order_by("due_on", "receipt")
    )
    horizon = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    followups, more_followups = _first(
        mine.awaiting_materials()
        .filter(pending_deadline__lte=horizon)
        .order_by("pending_deadline", "receipt")
    )
    return {
        "today": today,
        "due": due,
        "more_due": more_due,
        "followups": followups,
        "more_followups": more_followups,
        "applications": RemoteApplication.objects.visible_to(user).pending().count(),
    }


@dataclass(frozen=True)
class AreaOverdue:
    area: Area
    overdue: int


def lead_panel(user, profile, today: datetime.date) -> dict | None:
    """For leads: overdue cases in their areas, counted per child area in one grouped query,
    the child areas (one query) and the longest overdue cases (one query)."""
    if not (user.is_superuser or profile.roles & LEAD_ROLES):
        return None
    overdue = Case.objects.visible_to(user).overdue(today)
    prefixes = parent_prefixes(user, VIEW_CASES)
    per_child: list[AreaOverdue] = []
    if prefixes:
        counts = dict(
            overdue.annotate(child=child_code(prefixes))
            .values_list("child")
            .annotate(n=Count("id"))
            .values_list("child", "n")
            .order_by()
        )
        children = Area.objects.filter(parent__code__in=prefixes).order_by("code")
        per_child = [AreaOverdue(a, counts.get(a.code, 0)) for a in children]
    oldest, more = _first(overdue.select_related(*RELATED).order_by("due_on", "receipt"))
    return {
        "today": today,
        "per_child": per_child,
        "total": sum(row.overdue for row in per_child),
        "oldest": oldest,
        "more": more,
    }
