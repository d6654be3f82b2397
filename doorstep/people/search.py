"""Resident search for the desk: name, full pinyin, pinyin initials, ID tail or phone tail.

Every kind of query is an indexed prefix match (see ``doorstep.core.lookups``), intersected
with the searcher's areas; nothing scans the table.
"""

from __future__ import annotations

import re

from django.db.models import Q

from .models import Resident, ResidentQuerySet

_LETTERS = re.compile(r"^[a-z]+$")
_ID_TAIL = re.compile(r"^\d{3,5}[\dx]$")
_HAN = re.compile(r"[\u3400-\u9fff]")


def search_q(query: str) -> Q | None:
    """The condition for one search box input, or None when it cannot match anything."""
    q = re.sub(r"\s+", "", query).lower()
    if not q:
        return None
    if _LETTERS.match(q):
        return Q(name_initials__prefix=q) | Q(name_pinyin__prefix=q)
    if _ID_TAIL.match(q) and len(q) >= 4:
        cond = Q(id_tail_rev__prefix=q.upper()[::-1])
        if len(q) == 4 and q.isdigit():
            cond |= Q(phone_tail=q)
        return cond
    if _HAN.search(q):
        return Q(name__prefix=query.strip())
    return None


def search_residents(user, query: str, *, limit: int = 20) -> ResidentQuerySet:
    cond = search_q(query)
    if cond is None:
        return Resident.objects.none()
    return (
        Resident.objects.visible_to(user)
        .filter(cond)
        .select_related("area")
        .order_by("name", "id")[:limit]
    )
