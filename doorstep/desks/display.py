"""What the screen at a desk shows (叫号屏): the number being called, the next three, and an
estimated wait. Reads only; no personal data beyond a masked name."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import DeskSession, QueueTicket

NEXT_SHOWN = 3


@dataclass(frozen=True)
class BoardLine:
    number: str
    name: str  # masked: the family name and a star (张*)
    wait_minutes: int


@dataclass(frozen=True)
class Board:
    calling: BoardLine | None
    next: list[BoardLine]
    waiting: int
    minutes_each: int


def mask_name(name: str) -> str:
    """龚* for 龚小明: enough for the person to know it is them, not enough to name them."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else ""


def minutes_per_visitor(session: DeskSession, tickets: list[QueueTicket]) -> float:
    """The session's average service time: from call to served, over the visitors served so
    far; before anyone is served, a slot's length shared among its places."""
    spans = [
        (t.served_at - t.called_at).total_seconds() / 60
        for t in tickets
        if t.served_at and t.called_at and t.served_at > t.called_at
    ]
    if spans:
        return sum(spans) / len(spans)
    return session.slot_minutes / max(session.capacity, 1)


def queue_board(session: DeskSession) -> Board:
    tickets = list(QueueTicket.objects.filter(session=session).order_by("number"))
    each = minutes_per_visitor(session, tickets)
    called = [t for t in tickets if t.called_at and not t.served_at]
    calling = max(called, key=lambda t: t.called_at, default=None)
    queue = [t for t in tickets if not t.called_at and not t.served_at]
    ahead = 1 if calling else 0

    def line(ticket: QueueTicket, position: int) -> BoardLine:
        wait = datetime.timedelta(minutes=each * position).total_seconds() / 60
        return BoardLine(f"{ticket.number:03d}", mask_name(ticket.name), round(wait))

    return Board(
        calling=line(calling, 0) if calling else None,
        next=[line(t, ahead + i) for i, t in enumerate(queue[:NEXT_SHOWN])],
        waiting=len(queue),
        minutes_each=round(each),
    )
