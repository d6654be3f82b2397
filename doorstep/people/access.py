"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import Http404

from doorstep.staff.roles import EDIT_RESIDENTS, VIEW_RESIDENTS
from doorstep.staff.scoping import covers

from .models import Resident

RECORD_RELATED = ("area", "household__building")  # what the resident's record shows


def access_resident(
    user, pk: int, *, for_write: bool = False, related: Sequence[str] = RECORD_RELATED
) -> Resident:
    """The resident ``pk`` if ``user`` may see it (``for_write``: change it); 404 otherwise.
    One read by primary key, then the same area test as ``visible_to`` (``covers``), so a single
    record costs no area conditions in SQL. ``related``: the relations the caller shows."""
    capability = EDIT_RESIDENTS if for_write else VIEW_RESIDENTS
    resident = next(iter(Resident.objects.select_related(*related).filter(pk=pk)[:1]), None)
    if resident is None or not covers(user, capability, resident.area_code):
        raise Http404
    return resident
