from __future__ import annotations

from django.core.checks import Warning
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

# From November the State Council has usually published next year's calendar.
NEXT_YEAR_FROM_MONTH = 11


def check_years_seeded(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when working-day deadlines this year (or, late in the year, next year) would fall
    back to plain Monday–Friday because the holiday table has no entries for it."""
    from .calendar import known_years

    try:
        known = known_years()
    except DatabaseError:  # before the first migrate
        return []
    today = timezone.localdate()
    wanted = [today.year]
    if today.month >= NEXT_YEAR_FROM_MONTH:
        wanted.append(today.year + 1)
    return [
        Warning(
            _("The holiday calendar has no entries for %(year)s.") % {"year": year},
            hint=_(
                "Run `manage.py seed_holidays` after upgrading chinesecalendar, or enter the "
                "year's holidays and make-up working days in the admin. Until then working "
                "days in %(year)s skip only the statutory public holidays, and due dates that "
                "reach into it are provisional."
            )
            % {"year": year},
            id="workdays.W001",
        )
        for year in wanted
        if year not in known
    ]
