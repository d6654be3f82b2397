"""What ``holds("code")`` asks about: whether a resident holds a programme on the scan date.

The language does not know what can be held, or how a holding is stored: the app that grants
programmes (proactive) registers a ``Holdings`` when it starts (its ``AppConfig.ready``), and
the language asks it to name a code when a rule is checked, to filter residents in SQL, and to
list each resident's holdings for the Python side (facts.py). Until one is registered, every
``holds("…")`` names nothing and the rule is refused.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .rules_ast import Holds


class Held(NamedTuple):
    """What a rule keeps of the programme it names."""

    id: int
    period: str
    kind: str


class HoldingsReader(Protocol):
    def held(self, where: dict, wanted: set[int]) -> dict[int, list[str]]:
        """{resident id: codes held} for the residents in ``wanted``; ``where`` narrows rows by
        ``resident_id`` (a range or a list) as the other facts are read."""


class Holdings(Protocol):
    def find(self, code: str) -> Held | None:
        """The programme named ``code``; None when there is none."""

    def exists(self, expr: Holds, on: datetime.date) -> QuerySet:
        """Rows correlated on ``resident_id=OuterRef("pk")`` whose existence means the resident
        holds ``expr`` on ``on`` (for an EXISTS subquery over residents)."""

    def reader(self, on: datetime.date) -> HoldingsReader:
        """Reads holdings on ``on`` for chunks of residents (built once per facts load)."""


class _Nothing:
    """No holdings registered: nothing is held, and no code names anything."""

    def find(self, code: str) -> Held | None:
        return None

    def exists(self, expr: Holds, on: datetime.date) -> QuerySet:  # pragma: no cover
        raise LookupError("holds(…) was checked against a registered Holdings")

    def reader(self, on: datetime.date) -> HoldingsReader:
        return self

    def held(self, where: dict, wanted: set[int]) -> dict[int, list[str]]:
        return {}


_registered: list[Holdings] = [_Nothing()]


def register(holdings: Holdings) -> None:
    _registered[0] = holdings


def holdings() -> Holdings:
    return _registered[0]
