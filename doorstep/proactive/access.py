"""Who may see and do what with programmes: one place, used by the pages and the API.

- Reading programmes, their rules and run history: administrators (``change_programme``), those
  who may run them (``run_programme``) and district leads (the whole district's programmes are
  their business). Anyone else gets 403, like every page their role does not carry.
- Changing a programme: ``proactive.change_programme``. Previewing and running:
  ``proactive.run_programme``.
- Why / why not for one resident: ``VIEW_RESIDENTS`` over the resident's area (the clerk at the
  desk answers "why didn't my mother get it"); any programme may be explained. A resident outside
  the user's areas is a 404, like a missing one.
- The public answer page is reached by its entitlement's random token alone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from doorstep.people.access import access_resident
from doorstep.people.models import Resident
from doorstep.staff.choices import Role
from doorstep.staff.roles import VIEW_RESIDENTS, can, user_grants

from .models import Programme, ProgrammeRun

CHANGE = "proactive.change_programme"
RUN = "proactive.run_programme"
VIEW = "proactive.view_programme"


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_change(user) -> bool:
    return _active(user) and user.has_perm(CHANGE)


def may_run(user) -> bool:
    return _active(user) and user.has_perm(RUN)


def is_district_lead(user) -> bool:
    return _active(user) and any(role == Role.DISTRICT_LEAD for role, *_ in user_grants(user))


def may_read(user) -> bool:
    if not _active(user):
        return False
    return (
        user.is_superuser
        or user.has_perm(CHANGE)
        or user.has_perm(RUN)
        or user.has_perm(VIEW)
        or is_district_lead(user)
    )


def may_explain(user) -> bool:
    """Whether ``user`` may open why / why-not pages at all (for residents they can see)."""
    return _active(user) and can(user, VIEW_RESIDENTS)


def require_read(user) -> None:
    if not may_read(user):
        raise PermissionDenied


def require_change(user) -> None:
    if not may_change(user):
        raise PermissionDenied


def require_run(user) -> None:
    if not may_run(user):
        raise PermissionDenied


def require_explain(user) -> None:
    if not may_explain(user):
        raise PermissionDenied


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk <= 0 or pk > 2**62:
        raise Http404
    return pk


def access_programme(user, pk, *, for_change: bool = False) -> Programme:
    """A programme ``user`` may read (or change); 403 without the right, 404 when missing."""
    if for_change:
        require_change(user)
    else:
        require_read(user)
    programme = (
        Programme.objects.select_related("department", "service", "certificate_type", "handler")
        .filter(pk=_pk(pk))
        .first()
    )
    if programme is None:
        raise Http404
    return programme


def explainable_programme(user, pk) -> Programme:
    """A programme for a why / why-not page: any existing one, for staff who see residents."""
    require_explain(user)
    programme = Programme.objects.select_related("department").filter(pk=_pk(pk)).first()
    if programme is None:
        raise Http404
    return programme


def explainable_resident(user, pk) -> Resident:
    """A resident in ``user``'s areas (VIEW_RESIDENTS); 404 alike for missing and not theirs."""
    require_explain(user)
    return access_resident(user, _pk(pk))


def access_run(user, pk) -> ProgrammeRun:
    require_read(user)
    run = (
        ProgrammeRun.objects.select_related("programme", "rule_version", "started_by")
        .filter(pk=_pk(pk))
        .first()
    )
    if run is None:
        raise Http404
    return run
