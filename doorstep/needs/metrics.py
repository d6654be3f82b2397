"""Figures over needs: 未诉先办 per area, and the time a need spent at each level."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone

from .choices import FOUND_FIRST, EventKind, Level
from .models import Need


def found_first_by_area(needs: QuerySet[Need], *, digits: int = 12) -> list[dict]:
    """未诉先办: per area (the first ``digits`` of the code: 12 is the community, 15 the
    compound), how many needs there are and how many were first found by a visit or a
    programme rather than raised by the resident. One grouped query."""
    return list(
        needs.order_by()
        .annotate(area=Left("area_code", digits))
        .values("area")
        .annotate(
            total=Count("id"), found_first=Count("id", filter=Q(source__in=sorted(FOUND_FIRST)))
        )
        .order_by("area")
    )


@dataclass(frozen=True)
class LevelSpell:
    level: Level
    since: datetime.datetime
    until: datetime.datetime | None

    def duration(self, now: datetime.datetime | None = None) -> datetime.timedelta:
        return (self.until or now or timezone.now()) - self.since


def level_history(need: Need, events=None) -> list[LevelSpell]:
    """The levels the need has been at and for how long, from its ``escalated`` events
    (``events``: the need's events already read, to save a query)."""
    if events is None:
        events = need.events.filter(kind=EventKind.ESCALATED).order_by("at", "id")
    escalations = [(e.at, e.level) for e in events if e.kind == EventKind.ESCALATED and e.level]
    spells, since, level = [], need.created_at, Level.ON_SPOT
    for at, reached in escalations:
        spells.append(LevelSpell(Level(level), since, at))
        since, level = at, reached
    end = need.closed_at
    spells.append(LevelSpell(Level(level), since, end))
    return spells
