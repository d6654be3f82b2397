"""Keyset pages for large tables: newest first by (a timestamp, id), with an opaque cursor, so
pages stay stable while rows arrive and no page costs an OFFSET scan."""

from __future__ import annotations

import base64
import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error

LIMIT_DEFAULT, LIMIT_MAX = 25, 100


def _cursor(stamp: datetime.datetime, pk: int) -> str:
    raw = f"{stamp.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(field: str, value: str) -> Q:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, pk = raw.split("|")
        at, pk = datetime.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise field_error("after", _("This page marker is not valid; start again.")) from None
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk})


def keyset_page(rows: QuerySet, *, field: str, limit: int, after: str | None) -> tuple[list, str]:
    """One page of ``rows``, newest ``field`` first, and the cursor of the next ("" on the last
    page). ``field`` must never be null."""
    limit = min(max(limit, 1), LIMIT_MAX)
    if after:
        rows = rows.filter(_after(field, after))
    found = list(rows.order_by(f"-{field}", "-pk")[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    return page, _cursor(getattr(page[-1], field), page[-1].pk) if more else ""
