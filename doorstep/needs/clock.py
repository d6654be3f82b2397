"""A need's feedback clock: wall-clock hours or working days, as its category says.

- On registration (and on each escalation) the deadline is ``due_at(category, start)``: ``start``
  plus the category's hours, or the same time of day on the n-th working day after ``start``'s
  day (``workdays.calendar``: holidays and 调休 included; the first day never counts).
- While the need waits for the resident the clock stops (``paused_at``); when it restarts the
  deadline moves by the time it was stopped, and ``paused_seconds`` grows.
- A granted extension moves the deadline by the hours granted.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from doorstep.workdays.calendar import add_working_days

from .choices import LimitUnit


def due_at(category, start: datetime.datetime) -> datetime.datetime:
    """When the resident must hear back about a need of ``category`` registered at ``start``."""
    if category.unit == LimitUnit.HOURS:
        return start + datetime.timedelta(hours=category.limit)
    local = timezone.localtime(start)
    day = add_working_days(local.date(), category.limit)
    return datetime.datetime.combine(day, local.time(), local.tzinfo)


def pause(need, now: datetime.datetime) -> list[str]:
    if need.paused_at is not None:
        return []
    need.paused_at = now
    return ["paused_at"]


def resume(need, now: datetime.datetime) -> list[str]:
    if need.paused_at is None:
        return []
    stopped = max(now - need.paused_at, datetime.timedelta(0))
    need.feedback_due_at += stopped
    need.paused_seconds += int(stopped.total_seconds())
    need.paused_at = None
    return ["feedback_due_at", "paused_seconds", "paused_at"]


def remaining(need, now: datetime.datetime) -> datetime.timedelta:
    """Time left to the deadline (negative when overdue); a stopped clock counts to its stop."""
    return need.feedback_due_at - (need.paused_at or now)
