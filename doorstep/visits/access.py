"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.ids import pk_or_404
from doorstep.places.models import Household
from doorstep.staff.roles import LOG_VISITS, VIEW_VISITS

from .models import Visit
from .scoping import household_q


def access_household(user, pk, *, for_write: bool = False) -> Household:
    """A household ``user`` may see (``for_write``: log a visit at); 404 otherwise. A grid
    worker reaches only the households of their grids."""
    capability = LOG_VISITS if for_write else VIEW_VISITS
    household = (
        Household.objects.filter(household_q(user, capability))
        .select_related("building__compound")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if household is None:
        raise Http404
    return household


def access_visit(user, pk) -> Visit:
    visit = (
        Visit.objects.visible_to(user)
        .select_related("household__building__compound", "worker")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if visit is None:
        raise Http404
    return visit
