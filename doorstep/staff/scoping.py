"""Which areas a member of staff may see: the one mechanism behind every ``visible_to(user)``.

Staff hold role grants over areas (``people.RoleGrant``); a grant over an area covers every
area whose code starts with its code. Superusers (administrators) see everything.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q

ALL = None  # sentinel: no restriction


def area_prefixes(user, capability: str) -> list[str] | None:
    """Area code prefixes inside which ``user`` may use ``capability``; ``None`` means all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    cache = user.__dict__.setdefault("_doorstep_prefixes", {})
    if capability not in cache:
        from doorstep.staff.roles import grants_with

        cache[capability] = minimal_prefixes(grants_with(user, capability))
    return cache[capability]


def minimal_prefixes(codes: list[str]) -> list[str]:
    """Drop codes already covered by a shorter one: ['4201', '420105'] -> ['4201']."""
    kept: list[str] = []
    for code in sorted(set(codes)):
        if not kept or not code.startswith(kept[-1]):
            kept.append(code)
    return kept


def prefix_q(field: str, prefixes: list[str] | None, *, lookup: str = "prefix") -> Q:
    """A Q that keeps rows whose ``field`` starts with one of ``prefixes``.

    ``lookup="prefix_filter"`` keeps the condition out of SQLite's index choice (see
    ``doorstep.core.lookups``), for queries that carry a narrower indexed condition.
    """
    if prefixes is ALL:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__{lookup}": p}) for p in prefixes))


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to an area, through the code held in ``area_field``."""

    area_field = "area_code"
    capability = "view_residents"

    def visible_to(
        self, user, capability: str | None = None, *, by_index: bool = True
    ) -> ScopedQuerySet:
        """Rows in ``user``'s areas. ``by_index=False`` when the query has a narrower indexed
        condition (a search) that SQLite should use instead of the area code's index."""
        prefixes = area_prefixes(user, capability or self.capability)
        return self.in_prefixes(prefixes, by_index=by_index)

    def in_prefixes(self, prefixes: list[str] | None, *, by_index: bool = True) -> ScopedQuerySet:
        """Rows whose area lies under one of ``prefixes`` (``None``: everywhere)."""
        lookup = "prefix" if by_index else "prefix_filter"
        return self.filter(prefix_q(self.area_field, prefixes, lookup=lookup))

    def within(self, code: str) -> ScopedQuerySet:
        return self.filter(**{f"{self.area_field}__prefix": code})


def covers(user, capability: str, code: str) -> bool:
    prefixes = area_prefixes(user, capability)
    return prefixes is ALL or any(code.startswith(p) for p in prefixes)
