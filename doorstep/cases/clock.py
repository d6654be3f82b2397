"""The case's clock, in working days (``workdays.calendar``: holidays and 调休 included).

- On acceptance: ``due_on`` is the ``limit``-th working day after the day of acceptance (that
  day never counts); ``warn_on`` is the working day on which 80% of the limit is used (yellow).
- While the case waits for the resident (``PAUSED`` states) the clock stops: ``paused_since``
  holds the day it stopped. When it restarts on day R, the working days in (paused_since, R]
  did not count, so both dates move that many working days later and ``paused_days`` grows.
- An approved extension (延期) adds its working days to ``limit_days`` (and ``extended_days``
  records how many were added): ``extend`` counts both dates again from acceptance.
- A due date counted across a year whose official holiday schedule is not entered yet is
  ``due_provisional``; ``recount`` gives the dates the calendar gives now (the recount when a
  schedule is entered).
- Colour on a day D: red after ``due_on``, yellow from ``warn_on``, green before; a stopped
  clock shows "paused" (and is never overdue).
"""

from __future__ import annotations

import datetime
import math

from doorstep.workdays.calendar import add_working_days, is_provisional, working_days_between

from .choices import CLOSED, PAUSED, CaseStatus, Clock

WARN_SHARE = 0.8


def start(case, day: datetime.date, limit_days: int) -> list[str]:
    """Start the clock of ``case`` on its day of acceptance; returns the fields it set."""
    case.accepted_on = day
    case.limit_days = limit_days
    case.due_on, case.warn_on, case.due_provisional = recount(day, limit_days, 0)
    return ["accepted_on", "limit_days", "due_on", "warn_on", "due_provisional"]


def recount(
    accepted_on: datetime.date, limit_days: int, paused_days: int
) -> tuple[datetime.date, datetime.date, bool]:
    """(due_on, warn_on, due_provisional) of a case accepted on ``accepted_on`` whose clock
    stopped for ``paused_days`` working days so far: the limit and the stopped days are
    counted from acceptance (n working days, then m more, are n + m working days)."""
    due = add_working_days(accepted_on, limit_days + paused_days)
    warn = add_working_days(accepted_on, math.ceil(limit_days * WARN_SHARE) + paused_days)
    return due, warn, is_provisional(accepted_on, due)


def extend(case, days: int) -> list[str]:
    """Add ``days`` approved working days to the case's time limit; returns the fields set.
    Stopped days already counted stay counted; a stop still running is added when it ends."""
    case.limit_days += days
    case.extended_days += days
    case.due_on, case.warn_on, case.due_provisional = recount(
        case.accepted_on, case.limit_days, case.paused_days
    )
    return ["limit_days", "extended_days", "due_on", "warn_on", "due_provisional"]


def pause(case, day: datetime.date) -> list[str]:
    if case.accepted_on is None or case.paused_since is not None:
        return []
    case.paused_since = day
    return ["paused_since"]


def resume(case, day: datetime.date) -> list[str]:
    if case.paused_since is None:
        return []
    lost = max(working_days_between(case.paused_since, day), 0)
    case.due_on = add_working_days(case.due_on, lost)
    case.warn_on = add_working_days(case.warn_on, lost)
    case.due_provisional = is_provisional(case.accepted_on, case.due_on)
    case.paused_days += lost
    case.paused_since = None
    return ["due_on", "warn_on", "due_provisional", "paused_days", "paused_since"]


def follow(case, old_status: str, new_status: str, day: datetime.date) -> list[str]:
    """Stop or restart the clock as the case moves from ``old_status`` to ``new_status``."""
    if new_status in PAUSED and old_status not in PAUSED:
        return pause(case, day)
    if old_status in PAUSED and new_status not in PAUSED:
        return resume(case, day)
    return []


def colour(case, day: datetime.date) -> Clock:
    if case.due_on is None or case.status in CLOSED:
        return Clock.NONE
    if case.paused_since is not None:
        return Clock.SUSPENDED if case.status == CaseStatus.SUSPENDED else Clock.PAUSED
    if day > case.due_on:
        return Clock.RED
    if day >= case.warn_on:
        return Clock.YELLOW
    return Clock.GREEN


def used_days(case, day: datetime.date) -> int:
    """Working days of the limit used up by ``day`` (a stopped clock counts to its stop)."""
    if case.accepted_on is None:
        return 0
    until = case.paused_since or day
    return max(working_days_between(case.accepted_on, until) - case.paused_days, 0)


def remaining_days(case, day: datetime.date) -> int | None:
    """Working days left until the due date (negative when overdue); None before acceptance."""
    if case.due_on is None:
        return None
    return working_days_between(case.paused_since or day, case.due_on)
