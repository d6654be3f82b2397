"""Who may see and do what with programmes: one place, used by the pages, the API and the
actions, through the role capabilities of ``doorstep.staff.roles`` (administrators hold them all).

- Reading programmes, their rules and run history: ``VIEW_PROGRAMMES`` (the administrator role,
  and district leads: the whole district's programmes are their business). Anyone else gets 403,
  like every page their role does not carry.
- Creating and changing a programme: ``MANAGE_PROGRAMMES``. Previewing and running:
  ``RUN_PROGRAMMES``. Both are the administrator role's.
- Why / why not for one resident: ``VIEW_RESIDENTS`` over the resident's area (the clerk at the
  desk answers "why didn't my mother get it"); any programme may be explained. A resident outside
  the user's areas is a 404, like a missing one.
- Approving a programme that pays money (maker-checker): ``MANAGE_PROGRAMMES`` over the
  programme's area. A programme serves the whole registry (its rules narrow it), so the grant
  must cover every district the registry holds; a grant over one street cannot approve.
- The public answer page is reached by its entitlement's random token alone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from doorstep.core.ids import pk_or_404
from doorstep.people.access import access_resident
from doorstep.people.models import Resident
from doorstep.staff.roles import (
    MANAGE_PROGRAMMES,
    RUN_PROGRAMMES,
    VIEW_PROGRAMMES,
    VIEW_RESIDENTS,
    can,
)

from .models import Programme, ProgrammeRun


def may_change(user) -> bool:
    return can(user, MANAGE_PROGRAMMES)


def may_run(user) -> bool:
    return can(user, RUN_PROGRAMMES)


def may_read(user) -> bool:
    return can(user, VIEW_PROGRAMMES)


def may_explain(user) -> bool:
    """Whether ``user`` may open why / why-not pages at all (for residents they can see)."""
    return can(user, VIEW_RESIDENTS)


def may_approve(user) -> bool:
    """Whether ``user`` holds the programme grant over every district (see the module's
    docstring); the second person must also differ from the maker (``do_approve_programme``)."""
    from doorstep.places.choices import AreaKind
    from doorstep.places.models import Area
    from doorstep.staff.scoping import covers

    if not may_change(user):
        return False
    districts = Area.objects.filter(kind=AreaKind.DISTRICT).values_list("code", flat=True)
    return all(covers(user, MANAGE_PROGRAMMES, code) for code in districts)


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


def access_programme(user, pk, *, for_change: bool = False) -> Programme:
    """A programme ``user`` may read (or change); 403 without the right, 404 when missing."""
    if for_change:
        require_change(user)
    else:
        require_read(user)
    programme = (
        Programme.objects.select_related(
            "department", "service", "certificate_type", "handler", "changed_by", "approved_by"
        )
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if programme is None:
        raise Http404
    return programme


def explainable_programme(user, pk) -> Programme:
    """A programme for a why / why-not page: any existing one, for staff who see residents."""
    require_explain(user)
    programme = Programme.objects.select_related("department").filter(pk=pk_or_404(pk)).first()
    if programme is None:
        raise Http404
    return programme


def explainable_resident(user, pk) -> Resident:
    """A resident in ``user``'s areas (VIEW_RESIDENTS); 404 alike for missing and not theirs."""
    require_explain(user)
    return access_resident(user, pk_or_404(pk))


def access_run(user, pk) -> ProgrammeRun:
    require_read(user)
    run = (
        ProgrammeRun.objects.select_related("programme", "rule_version", "started_by")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if run is None:
        raise Http404
    return run
