"""Case figures for a member of staff's areas, in one aggregate query: open cases by clock
colour, and trips (跑动次数) — how often residents had to come, and how often more than the
service allows. Trips are a first-class metric: the point of the desk downstairs is fewer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone

from .choices import CLOSED, RUNNING
from .models import PAUSED_Q, TOO_MANY_TRIPS_Q, Case


@dataclass(frozen=True)
class CaseFigures:
    open: int
    overdue: int
    due_soon: int
    paused: int
    closed: int
    average_trips: float | None
    too_many_trips: int

    @property
    def within_trip_promise(self) -> float | None:
        """Share of cases (all, open and closed) that kept the service's trip promise."""
        total = self.open + self.closed
        return None if not total else (total - self.too_many_trips) / total

    @property
    def trip_promise_percent(self) -> int | None:
        share = self.within_trip_promise
        return None if share is None else round(share * 100)


def case_figures(user, today: datetime.date | None = None) -> CaseFigures:
    today = today or timezone.localdate()
    running = Q(status__in=sorted(RUNNING))
    row = Case.objects.visible_to(user).aggregate(
        open=Count("pk", filter=~Q(status__in=sorted(CLOSED))),
        overdue=Count("pk", filter=running & Q(due_on__lt=today)),
        due_soon=Count("pk", filter=running & Q(warn_on__lte=today, due_on__gte=today)),
        paused=Count("pk", filter=PAUSED_Q),
        closed=Count("pk", filter=Q(status__in=sorted(CLOSED))),
        average_trips=Avg("trips"),
        too_many_trips=Count("pk", filter=TOO_MANY_TRIPS_Q),
    )
    return CaseFigures(**row)
