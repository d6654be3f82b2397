"""Resident search for the desk: name, full pinyin, pinyin initials, ID tail or phone tail.

Every kind of query is an indexed prefix match (see ``doorstep.core.lookups``), intersected
with the searcher's areas; nothing scans the table.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

from .models import Resident, ResidentQuerySet

_LETTERS = re.compile(r"^[a-z]+$")
_ID_TAIL = re.compile(r"^[0-9]{3,5}[0-9x]$")
_HAN = re.compile(r"[\u3400-\u9fff]")


def search_q(query: str) -> Q | None:
    """The condition for one search box input, or None when it cannot match anything."""
    # NFKC: Chinese input methods type full-width digits and letters (１２３４, ｚｊｌ).
    q = re.sub(r"\s+", "", unicodedata.normalize("NFKC", query)).lower()
    if not q or "\x00" in q:  # NUL is in no name or number, and PostgreSQL refuses it
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
        # The search condition, not the area scope, is the narrow one for SQLite to use.
        Resident.objects.visible_to(user, by_index=False)
        .filter(cond)
        .select_related("area")
        .order_by("name", "id")[:limit]
    )
