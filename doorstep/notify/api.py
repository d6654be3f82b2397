"""The inbox in JSON: my items a page at a time (keyset), one item, mark one or all read.
Only the caller's own items exist here: someone else's item is 404, as a missing one is."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from doorstep.core.rest.errors import errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import QueryId, QueryText

from .inbox import access_item, do_mark_all_read, do_mark_read, items_for, unread_count
from .models import InboxItem

router = Router(tags=["inbox"])


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str | None = Field(description="Where the item came from: a path on this site.")
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class InboxPage(Schema):
    results: list[ItemOut]
    unread: int = Field(description="How many of my items are unread, in all.")
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class InboxParams(Schema):
    unread: bool | None = Field(None, description="Only unread items.")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class Marked(Schema):
    marked: int


def _item(item: InboxItem) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "url": item.url or None,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


@router.get("/inbox/", response={200: InboxPage, **errors(401)}, url_name="inbox")
def inbox(request: HttpRequest, params: Query[InboxParams]):
    """My inbox, newest first, a page at a time (``next`` is the ``after`` of the next page)."""
    rows = items_for(request.user)
    if params.unread:
        rows = rows.filter(read_at__isnull=True)
    page, after = keyset_page(rows, field="created_at", limit=params.limit, after=params.after)
    return {
        "results": [_item(i) for i in page],
        "unread": unread_count(request.user),
        "next": after or None,
    }


@router.post("/inbox/read/", response={200: Marked, **errors(401)}, url_name="inbox-read-all")
def read_all(request: HttpRequest):
    """Mark all my unread items read."""
    return {"marked": do_mark_all_read(actor=request.user)}


@router.get("/inbox/{int:pk}/", response={200: ItemOut, **errors(401, 404)},
            url_name="inbox-item")  # fmt: skip
def item(request: HttpRequest, pk: QueryId):
    """One of my items (reading it does not mark it read)."""
    return _item(access_item(request.user, pk))


@router.post("/inbox/{int:pk}/read/", response={200: ItemOut, **errors(401, 404)},
             url_name="inbox-read")  # fmt: skip
def read(request: HttpRequest, pk: QueryId):
    """Mark one of my items read (again: no change)."""
    found = access_item(request.user, pk)
    do_mark_read(found, actor=request.user)
    return _item(found)
