"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from doorstep.staff.roles import EDIT_RESIDENTS, VIEW_RESIDENTS

from .models import Resident


def access_resident(user, pk: int, *, for_write: bool = False) -> Resident:
    capability = EDIT_RESIDENTS if for_write else VIEW_RESIDENTS
    resident = (
        Resident.objects.visible_to(user, capability)
        .select_related("area", "household__building")
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        raise Http404
    return resident
