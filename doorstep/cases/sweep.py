"""The overdue sweep: marks running cases past their due date, once per case, and notifies the
handler (one message per case) and the community leads over the case (one digest per lead).

Set-based: one guarded UPDATE marks the cases (``overdue_at IS NULL`` in the WHERE clause, so
two workers at once cannot both mark a case), then INSERT … SELECT writes the events and the
handlers' messages for exactly the rows this run marked. To be written (issue 4).
"""

from __future__ import annotations

import datetime


def sweep_overdue(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark the newly overdue cases; returns how many this run marked."""
    raise NotImplementedError
