"""The figures panel of a lead's home page: this month's key figures (to date) against last
month's whole month, each with its n, over everything the lead sees, linking to the dashboard.

Cost: three aggregate queries a month (callbacks: response and satisfaction; cases: on time;
ratings: bad ratings rectified), six in all; the grants it scopes by are read once per request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from doorstep.staff.choices import Role

from .league import month_bounds, previous_month
from .metrics import Figure, figures, make_scope

PANEL_METRICS = ["satisfaction_rate", "on_time_rate", "response_rate", "bad_rectified"]
LEAD_ROLES = {Role.COMMUNITY_LEAD, Role.STREET_LEAD, Role.DISTRICT_LEAD}


@dataclass(frozen=True)
class Line:
    now: Figure
    before: Figure

    @property
    def change(self) -> float | None:
        """This month's shown value less last month's, in percentage points (None: either is
        not shown)."""
        now = self.now.value.shown if self.now.value is not None else None
        before = self.before.value.shown if self.before.value is not None else None
        return None if now is None or before is None else round((now - before) * 100, 1)


@dataclass(frozen=True)
class Panel:
    lines: list[Line]
    month: datetime.date
    previous: datetime.date
    today: datetime.date


def panel(user, profile, today: datetime.date) -> Panel | None:
    if not (profile.roles & LEAD_ROLES) or not profile.can_see_figures:
        return None
    start = today.replace(day=1)
    last_start, last_end = month_bounds(previous_month(start))
    now = figures(make_scope(user, start=start, end=today), only=PANEL_METRICS)
    before = figures(make_scope(user, start=last_start, end=last_end), only=PANEL_METRICS)
    lines = [Line(n, b) for n, b in zip(now, before, strict=True)]
    lines.sort(key=lambda line: PANEL_METRICS.index(line.now.key))
    return Panel(lines, start, last_start, today)
