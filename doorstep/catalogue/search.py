"""Public catalogue search: Chinese text (a contains match on the name and the words residents
use), full pinyin and pinyin initials (indexed prefix matches, ``doorstep.core.lookups``).

A contains match cannot use an index, but the catalogue is a few hundred to a few thousand rows:
``make bench`` (catalogue_search) measures it against hand-written SQL.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

from .models import Service

MAX_QUERY = 50
_LETTERS = re.compile(r"^[a-z]+$")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_CODE = re.compile(r"^[a-z]{2}-?[0-9]{1,4}$")
_SLUG = re.compile(r"^[-a-z0-9_]{1,40}$")
RESULT_FIELDS = ("code", "name", "department__name")


class QueryTooLong(ValueError):
    pass


def parse(query: str) -> tuple[str, str] | None:
    """(kind, value) of a search box input, or None when it cannot match anything."""
    q = re.sub(r"\s+", "", unicodedata.normalize("NFKC", query or ""))
    if len(q) > MAX_QUERY:
        raise QueryTooLong(q)
    if not q or "\x00" in q:
        return None
    if _LETTERS.match(q.lower()):
        return "pinyin", q.lower()
    if _HAN.search(q):
        return "text", q
    if _CODE.match(q.lower()):
        return "code", q.lower()
    return None


def condition(kind: str, value: str) -> Q:
    if kind == "pinyin":
        return (
            Q(name_initials__prefix=value)
            | Q(name_pinyin__prefix=value)
            | Q(keywords_pinyin__contains=f" {value}")
        )
    if kind == "code":
        return Q(code__prefix=value)
    return Q(name__contains=value) | Q(keywords__contains=value)


def search_services(query: str, *, department: str = "", life_event: str = "", limit: int = 50):
    """Public services matching the input (and department / life event codes), by code.
    Raises ``QueryTooLong`` for an input no search box would send."""
    if not all(_SLUG.match(c) for c in (department, life_event) if c):
        return []
    qs = Service.objects.public()
    if department:
        qs = qs.filter(department__code=department)
    if life_event:
        qs = qs.filter(versions__life_events__code=life_event)
    if query.strip():
        parsed = parse(query)
        if parsed is None:
            return []
        qs = qs.filter(condition(*parsed))
    return list(qs.order_by("code").values_list(*RESULT_FIELDS)[:limit])
