"""Visits, due rows and red-list rows as the API and the pages show them (plain dicts)."""

from __future__ import annotations

import datetime

from django.db.models import prefetch_related_objects
from django.urls import reverse

from doorstep.people.choices import ResidentStatus
from doorstep.people.models import Resident

from .choices import DueState, FindingKind, Outcome, Purpose
from .models import Visit
from .queries import Coverage, due_state, latest_visits


def label(choices, value: str | None) -> dict | None:
    if not value:
        return None
    choice = choices(value)
    return {"code": choice.value, "label": str(choice.label), "colour": choice.colour}


def household_ref(household) -> dict | None:
    return None if household is None else {"id": household.pk, "name": str(household)}


def _worker(user) -> str:
    return user.get_full_name() or user.get_username()


def visit_summary(visit: Visit) -> dict:
    """A visit as lists show it; needs ``household__building__compound`` and ``worker``
    loaded, and ``with_counts()`` (or the detail's prefetches)."""
    findings = getattr(visit, "finding_count", None)
    photos = getattr(visit, "photo_count", None)
    return {
        "id": visit.pk,
        "household": household_ref(visit.household),
        "area_code": visit.area_code,
        "worker": _worker(visit.worker),
        "visited_at": visit.visited_at,
        "visited_on": visit.visited_on,
        "purpose": label(Purpose, visit.purpose),
        "outcome": label(Outcome, visit.outcome),
        "retry_on": visit.retry_on,
        "findings": len(visit.findings.all()) if findings is None else findings or 0,
        "photos": len(visit.photos.all()) if photos is None else photos or 0,
    }


def visit_detail(visit: Visit) -> dict:
    prefetch_related_objects([visit], "met", "findings", "photos")
    return {
        **visit_summary(visit),
        "met": [{"id": r.pk, "name": r.name} for r in visit.met.all()],
        "notes": visit.notes,
        "followups": visit.followups,
        "finding_rows": [
            {
                "id": f.pk,
                "kind": label(FindingKind, f.kind),
                "description": f.description,
                "count": f.count,
            }
            for f in visit.findings.all()
        ],
        "photo_rows": [
            {
                "id": p.pk,
                "name": p.original_name,
                "content_type": p.content_type,
                "size": p.size,
                "url": reverse("visits-photo", args=[visit.pk, p.pk]),
            }
            for p in visit.photos.all()
        ],
        "created_at": visit.created_at,
    }


def attach_page_details(households: list) -> None:
    """Load the building and compound of each household of a page, and set
    ``ruled_residents`` (its residents living here with a ruled tag), ``last_outcome`` and
    ``retry_on`` (of its latest visit): four queries."""
    prefetch_related_objects(households, "building__compound")
    found: dict[int, list] = {h.pk: [] for h in households}
    rows = (
        Resident.objects.filter(
            household__in=list(found),
            status=ResidentStatus.ACTIVE,
            tags__visit_rule__isnull=False,
        )
        .order_by("household_id", "name", "pk")
        .values_list("household_id", "pk", "name")
        .distinct()
    )
    for household_id, pk, name in rows:
        found[household_id].append({"id": pk, "name": name})
    latest = latest_visits(list(found)) if found else {}
    for h in households:
        h.ruled_residents = found[h.pk]
        h.last_outcome, h.retry_on = latest.get(h.pk, (None, None))


def due_row(household, today: datetime.date) -> dict:
    state = due_state(household.due_on, today)
    overdue = None if household.due_on is None else (today - household.due_on).days
    return {
        "household": household_ref(household),
        "residents": household.ruled_residents,
        "interval_days": household.interval,
        "last_met": household.last_met,
        "due_on": household.due_on,
        "overdue_days": overdue,
        "state": label(DueState, state),
        "last_outcome": label(Outcome, household.last_outcome),
        "retry_on": household.retry_on,
    }


def silent_row(resident) -> dict:
    return {
        "resident": {"id": resident.pk, "name": resident.name},
        "household": household_ref(resident.household),
        "area_code": resident.area_code,
        "tags": [t.name for t in resident.tags.all()],
        "last_met": resident.last_met,
        "undelivered_since": resident.undelivered_since,
        "silence_days": resident.silence,
    }


def _coverage(c: Coverage) -> dict:
    return {
        "key": c.key,
        "name": c.name,
        "households": c.households,
        "covered": c.covered,
        "percent": c.percent,
    }


def coverage_rows(grids: list, communities: list, total: Coverage) -> dict:
    return {
        "grids": [_coverage(c) for c in grids],
        "communities": [_coverage(c) for c in communities],
        "total": _coverage(total),
    }
