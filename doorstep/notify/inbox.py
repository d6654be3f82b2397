"""The staff inbox: the general API every app calls to put an alert in front of a member of
staff (the header's badge, the home page, the inbox page, ``/api/v1/inbox/``).

Two ways in, one table:

- ``post(users, kind=…, title=…, body=…, url=…, key=…)`` for a handful of recipients known in
  Python (a list of users or ids: one INSERT), or a queryset of users (one INSERT … SELECT);
- ``post_from_queryset(rows, recipient=F("handler"), title=fill(…), …)`` for sweeps: one item
  per row of any queryset, written by the database in one ``INSERT … SELECT`` (as the overdue
  sweep writes its events and outbox messages), whatever the number of rows.

Both take an optional ``key`` naming the event: an item whose recipient and key already exist is
skipped, so a sweep that runs twice posts once. Texts are stored as rendered, in the site's
language (the sweeps run outside any request). Posting from inside an action's transaction
rolls back with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, DateTimeField, Expression, F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat, Left
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from doorstep.core.bulk import insert_from
from doorstep.core.rest.types import ID_MAX

from .models import InboxItem
from .outbox import sentinel, template_expression

TITLE_MAX, URL_MAX, KEY_MAX = 200, 300, 200
_UNREAD = "_doorstep_inbox_unread"  # the per-request cache on the user object
_URL_MARK = 918273645  # digits a URL pattern's <int:pk> accepts, replaced by a column


def _check_url(url: str) -> str:
    """Only paths inside Doorstep: an item's link is followed by a click, never off-site."""
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"an inbox link must be a path inside the site, not {url!r}")
    return url


def post(
    users: Iterable | QuerySet,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
) -> int:
    """Put one item in the inbox of each of ``users`` (user objects or ids, or a queryset of
    users); returns how many were written. ``key`` makes the post idempotent per recipient."""
    _check_url(url)
    if isinstance(users, QuerySet):
        return post_from_queryset(
            users, recipient=F("pk"), kind=kind, title=title, body=body, url=url, key=key
        )
    ids = list(dict.fromkeys(getattr(u, "pk", u) for u in users))
    before = InboxItem.objects.filter(recipient_id__in=ids, key=key).count() if key else 0
    written = post_each([(pk, title, body) for pk in ids], kind=kind, url=url, key=key)
    return written - before


def post_each(
    rows: Iterable[tuple[object, str, str]], *, kind: str, url: str = "", key: str = ""
) -> int:
    """One item per (user, title, body) of ``rows``, each with its own text, in one INSERT:
    for a sweep's per-person digests. ``key`` as for ``post`` (returns the rows given, those
    skipped as already posted included)."""
    _check_url(url)
    now = timezone.now()
    items = [
        InboxItem(
            recipient_id=getattr(user, "pk", user),
            kind=kind,
            title=str(title)[:TITLE_MAX],
            body=str(body),
            url=url[:URL_MAX],
            key=key[:KEY_MAX],
            created_at=now,
        )
        for user, title, body in rows
    ]
    if items:
        InboxItem.objects.bulk_create(items, ignore_conflicts=bool(key))
    return len(items)


def _text(value: str | Expression) -> Expression:
    if isinstance(value, Expression | F):
        return value
    return Value(str(value), output_field=TextField())


def post_from_queryset(
    rows: QuerySet,
    *,
    recipient: Expression,
    kind: str,
    title: str | Expression,
    body: str | Expression = "",
    url: str | Expression = "",
    key: str | Expression = "",
) -> int:
    """One inbox item per row of ``rows`` in one ``INSERT … SELECT``; returns how many were
    written (rows whose recipient already holds the key are skipped). ``recipient`` is an
    expression for the user's id over the rows (``F("handler")``); ``title``, ``body``, ``url``
    and ``key`` are text or expressions (see ``fill`` and ``path``). Rows whose recipient is
    null are left out."""
    if isinstance(url, str):
        _check_url(url)
    columns = {
        "recipient": recipient,
        "kind": Value(kind, output_field=CharField()),
        "title": Left(_text(title), TITLE_MAX),
        "body": _text(body),
        "url": Left(_text(url), URL_MAX),
        "key": Left(_text(key), KEY_MAX),
        "created_at": Value(timezone.now(), output_field=DateTimeField()),
    }
    if isinstance(recipient, F):
        rows = rows.exclude(**{f"{recipient.name}__isnull": True})
    values = rows.values(**{f"inbox_{name}": expr for name, expr in columns.items()})
    return insert_from(InboxItem, list(columns), values, ignore_conflicts=True)


def fill(text: str, **values: Expression) -> Expression:
    """The SQL expression for a translated ``text`` whose ``%(name)s`` placeholders are the
    given column expressions (text: cast numbers and dates): ``fill(_("Case %(receipt)s is
    overdue"), receipt=F("receipt"))``."""
    sentinels = {name: sentinel(n) for n, name in enumerate(values)}
    return template_expression(
        str(text) % sentinels, {sentinels[name]: expr for name, expr in values.items()}
    )


def path(url_name: str, pk: Expression) -> Expression:
    """The path of ``url_name`` (a pattern with one ``<int:pk>``) for each row's ``pk``."""
    before, after = reverse(url_name, args=[_URL_MARK]).split(str(_URL_MARK))
    return Concat(Value(before), Cast(pk, CharField()), Value(after), output_field=TextField())


# ---- reading --------------------------------------------------------------------------------


def items_for(user) -> QuerySet[InboxItem]:
    """The user's own items, newest first: the only inbox rows anyone sees."""
    return InboxItem.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(user) -> int:
    """How many of the user's items are unread: one indexed count, cached on the user object
    for the request (the header's badge and the home page share it)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    if _UNREAD not in user.__dict__:
        user.__dict__[_UNREAD] = items_for(user).filter(read_at__isnull=True).count()
    return user.__dict__[_UNREAD]


def access_item(user, pk: int) -> InboxItem:
    """The item ``pk`` if it is ``user``'s; 404 alike for missing and someone else's."""
    if not getattr(user, "is_authenticated", False) or not 1 <= pk <= ID_MAX:
        raise Http404
    item = items_for(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


# ---- writing --------------------------------------------------------------------------------


def do_mark_read(item: InboxItem, *, actor) -> bool:
    """Mark the actor's own item read (once: a second call changes nothing); True if it was
    unread."""
    if item.recipient_id != actor.pk:
        raise Http404
    now = timezone.now()
    changed = InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        item.read_at = now
        actor.__dict__.pop(_UNREAD, None)
    return bool(changed)


def do_mark_all_read(*, actor) -> int:
    """Mark every unread item of the actor read; returns how many."""
    changed = items_for(actor).filter(read_at__isnull=True).update(read_at=timezone.now())
    actor.__dict__.pop(_UNREAD, None)
    return changed
