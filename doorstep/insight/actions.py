"""The ledgers' verbs: export one (the file and its log row), make a feed link, revoke one,
and fetch through one. Views and tests call these; nothing else writes ``LedgerExport`` or
``LedgerFeed``.

Every export reads as the person it is made for, through the same ``FilterSet`` as the list
page: a feed exports as its owner, with the owner's grants at the time of the fetch.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import tokens

from . import export
from .forms import SheetsForm
from .ledgers import Ledger
from .models import LedgerExport, LedgerFeed, Split, Via

# Query parameters that are not filters: the list's page, the choice of sheets.
NOT_FILTERS = frozenset({"page", "split", "csrfmiddlewaretoken", "name"})


@dataclass(frozen=True)
class Acting:
    """What a FilterSet reads from its request: who is asking."""

    user: object


@dataclass
class Export:
    file: IO[bytes]
    filename: str
    rows: int
    size: int
    log: LedgerExport


def filters_of(data: QueryDict) -> dict[str, list[str]]:
    return {k: v for k, v in data.lists() if k not in NOT_FILTERS}


def as_query(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return query


def check(ledger: Ledger, data: QueryDict, *, actor):
    """The filtered queryset and the split, or a ValidationError with the filters' errors."""
    filters = ledger.filtered(data, request=Acting(actor))
    sheets = SheetsForm(data)
    if not filters.is_valid() or not sheets.is_valid():
        errors = {**filters.errors, **sheets.errors}
        raise ValidationError(
            [
                ValidationError(f"{_field_label(filters, sheets, name)}: {' '.join(messages)}")
                for name, messages in errors.items()
            ]
        )
    return filters.qs, sheets.cleaned_data["split"] or Split.MONTH


def _field_label(filters, sheets, name: str) -> str:
    field = filters.form.fields.get(name) or sheets.fields.get(name)
    return str(field.label) if field is not None else name


def do_export_ledger(
    ledger: Ledger, data: QueryDict, *, actor, via: str = Via.WEB, feed: LedgerFeed | None = None
) -> Export:
    """Write the ledger for ``actor`` with the filters in ``data`` to a temporary file (deleted
    when closed) and log it. Bad filters raise ValidationError: no file, nothing logged."""
    rows, split = check(ledger, data, actor=actor)
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # deleted when the response closes it
    try:
        by = actor.get_full_name() or actor.get_username()
        count = export.write(ledger, ledger.read(ledger.ordered(rows, split)), split, out, by=by)
        size = out.tell()
        out.seek(0)
        log = LedgerExport.objects.create(
            user=actor, ledger=ledger.key, params=filters_of(data), split=split, rows=count,
            bytes=size, via=via, feed=feed,
        )  # fmt: skip
    except BaseException:
        out.close()
        raise
    filename = f"{ledger.title}-{timezone.localdate():%Y%m%d}.xlsx"
    return Export(out, filename, count, size, log)


@transaction.atomic
def do_create_feed(ledger: Ledger, data: QueryDict, *, actor, name: str) -> tuple[LedgerFeed, str]:
    """A feed link for ``ledger`` with the filters in ``data``; returns it and its secret,
    which is shown once and never stored."""
    if not ledger.may(actor):
        raise ValidationError(_("You may not export this ledger."))
    _rows, split = check(ledger, data, actor=actor)
    secret = tokens.new_secret()
    feed = LedgerFeed.objects.create(
        owner=actor, name=name, ledger=ledger.key, params=filters_of(data), split=split,
        hashed=tokens.digest(secret),
    )  # fmt: skip
    return feed, secret


def do_revoke_feed(feed: LedgerFeed, *, actor) -> bool:
    """Revoke ``feed`` (its owner's); False if it was revoked already."""
    return bool(
        LedgerFeed.objects.filter(pk=feed.pk, owner=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def feed_for(secret: str) -> LedgerFeed | None:
    """The usable feed whose secret this is (not revoked, its owner still active)."""
    if not secret or len(secret) > 100:
        return None
    return (
        LedgerFeed.objects.usable()
        .select_related("owner")
        .filter(hashed=tokens.digest(secret))
        .first()
    )


def do_fetch_feed(feed: LedgerFeed, ledger: Ledger) -> Export:
    """Export the feed's ledger as its owner (the owner's grants now), and log it."""
    export_ = do_export_ledger(
        ledger, as_query(feed.params | {"split": [feed.split]}), actor=feed.owner,
        via=Via.FEED, feed=feed,
    )  # fmt: skip
    LedgerFeed.objects.filter(pk=feed.pk).update(last_fetched_at=export_.log.at)
    return export_
