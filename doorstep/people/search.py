"""Resident search for the desk: name, full pinyin, pinyin initials, ID or phone (whole or
the last digits).

Every kind of query is an indexed prefix match (see ``doorstep.core.lookups``), intersected
with the searcher's areas; nothing scans the table.

The search box is the hottest read in Doorstep (one query per keystroke), and on SQLite the
indexed lookup itself takes well under 0.1 ms, while building and compiling the ORM query
took 0.5 ms and making model instances 0.2 ms more (profiled at a million residents). So the
query is written once with the ORM (``search_queryset``), compiled once per *shape* (kind of
input, searcher's areas, limit), and later inputs of the same shape only swap in their values;
results are light ``Hit`` rows carrying what a result line shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from doorstep.core import crypto, phone
from doorstep.core.lookups import like_escape
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import area_prefixes

from .models import Resident, ResidentQuerySet

_LETTERS = re.compile(r"^[a-z]+$")
_ID_TAIL = re.compile(r"^[0-9]{3,5}[0-9x]$")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_FULL_ID = re.compile(r"^[0-9]{17}[0-9x]$")

# What a result line shows, in the order the statement selects it.
RESULT_FIELDS = ("pk", "name", "id_masked", "phone", "area__name")


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result line."""

    pk: int
    name: str
    id_masked: str
    phone: str
    area_name: str

    @property
    def phone_masked(self) -> str:
        return phone.mask(self.phone)


def parse(query: str) -> tuple[str, tuple[str, ...]] | None:
    """The kind of a search box input and the values to look up, or None for no match."""
    # NFKC: Chinese input methods type full-width digits and letters (１２３４, ｚｊｌ).
    q = re.sub(r"\s+", "", unicodedata.normalize("NFKC", query)).lower()
    if not q or "\x00" in q:  # NUL is in no name or number, and PostgreSQL refuses it
        return None
    if _LETTERS.match(q):
        return "pinyin", (q,)
    if len(q) == 18 and _FULL_ID.match(q):  # a whole ID number typed or scanned
        return "id", (crypto.keyed_hash(q.upper()),)
    if len(q) == 11 and q.isdigit():  # a whole mobile number
        return "phone", (q[-4:], q)
    if _ID_TAIL.match(q) and len(q) >= 4:
        tail = crypto.tail_hash(q[-4:])
        if len(q) == 4:
            return ("tail4", (tail, q)) if q.isdigit() else ("id_tail", (tail,))
        # The 1 or 2 characters before the last four are the birth day (or its last digit):
        # the kind carries them, so each lead compiles its own statement (at most 41 kinds).
        if not _birth_days(q[:-4]):
            return None
        return f"id_tail:{q[:-4]}", (tail,)
    if _HAN.search(q):
        return "name", (re.sub(r"\s+", "", unicodedata.normalize("NFKC", query)),)
    return None


def _birth_days(lead: str) -> list[int]:
    """Days of the month whose two digits end with ``lead`` (the ID's 13th–14th characters)."""
    return [day for day in range(1, 32) if f"{day:02d}".endswith(lead)]


def is_full_number(query: str) -> bool:
    """A whole ID or mobile number: such input is searched by POST only (``read_query``)."""
    parsed = parse(query)
    return parsed is not None and parsed[0] in ("id", "phone")


def read_query(request) -> tuple[str, str | None]:
    """The search box input and, for a whole ID or mobile number in a GET (a link, the address
    bar, history), the message refusing it. The box posts, so full numbers never reach a URL,
    browser history or the server's access log; a name or tail may also come in a link."""
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "").strip()[:40]
    if request.method != "POST" and is_full_number(query):
        return "", _(
            "Full ID and mobile numbers are not searched from a link: type the number in the "
            "search box, so that it stays out of web addresses, browser history and logs."
        )
    return query, None


def _condition(kind: str, values: tuple[str, ...]) -> Q:
    if kind == "pinyin":
        return Q(name_initials__prefix=values[0]) | Q(name_pinyin__prefix=values[0])
    if kind == "id":
        return Q(id_hash=values[0])
    if kind == "phone":
        return Q(phone_tail=values[0], phone=values[1])
    if kind == "tail4":
        return Q(id_tail_hash=values[0]) | Q(phone_tail=values[1])
    if kind == "id_tail":
        return Q(id_tail_hash=values[0])
    if kind.startswith("id_tail:"):
        return Q(id_tail_hash=values[0], birth_date__day__in=_birth_days(kind[8:]))
    return Q(name__prefix=values[0])


def search_q(query: str) -> Q | None:
    """The condition for one search box input, or None when it cannot match anything."""
    parsed = parse(query)
    return None if parsed is None else _condition(*parsed)


def _order() -> tuple:
    """Name order. On PostgreSQL, sorted on an expression no index supplies: otherwise, for a
    broad scope and a rare prefix, it walks the whole name index in order filtering for 20
    matches (LIKE 'x%' can narrow only the *_like pattern index, which has no name order),
    2 s at a million residents instead of milliseconds. This way it finds the matches through
    their own indexes, then sorts them."""
    if connection.vendor == "postgresql":
        return (Concat("name", Value("")), "id")
    return ("name", "id")


def _queryset(user, kind: str, values: tuple[str, ...], limit: int):
    return (
        # The search condition, not the area scope, is the narrow one for SQLite to use.
        Resident.objects.visible_to(user, by_index=False)
        .filter(_condition(kind, values))
        .order_by(*_order())
        .values_list(*RESULT_FIELDS)[:limit]
    )


def search_queryset(user, query: str, *, limit: int = 20) -> ResidentQuerySet:
    """The search as an ORM query (what ``search_residents`` runs, compiled)."""
    parsed = parse(query)
    if parsed is None:
        return Resident.objects.none()
    return _queryset(user, *parsed, limit)


# A value no input can contain (inputs with control characters are refused by ``parse``).
_MARKERS = ("\x01v0\x01", "\x01v1\x01")
_STATEMENTS: dict[tuple, tuple[str, list]] = {}


def _compile(user, kind: str, n: int, limit: int) -> tuple[str, list]:
    """SQL of a search shape, and how to make each parameter from the input's values."""
    sql, params = _queryset(user, kind, _MARKERS[:n], limit).query.sql_with_params()
    plan = []
    for param in params:
        index = next((i for i, m in enumerate(_MARKERS[:n]) if m in str(param)), None)
        plan.append(param if index is None else (index, param))
    return sql, plan


def _bind(plan: list, values: tuple[str, ...], vendor: str) -> list:
    out = []
    for step in plan:
        if not isinstance(step, tuple):
            out.append(step)
            continue
        index, template = step
        marker, value = _MARKERS[index], values[index]
        # On PostgreSQL a prefix is a LIKE pattern (marker + "%"), whose value is escaped;
        # an equality parameter is the bare marker. SQLite's prefixes are ranges: no escaping.
        if vendor == "postgresql" and template != marker:
            value = like_escape(value)
        out.append(template.replace(marker, value))
    return out


def search_residents(user, query: str, *, limit: int = 20) -> list[Hit]:
    """Residents in ``user``'s areas matching a search box input, in name order."""
    parsed = parse(query)
    if parsed is None:
        return []
    kind, values = parsed
    prefixes = area_prefixes(user, VIEW_RESIDENTS)
    if prefixes == []:
        return []
    key = (connection.alias, connection.vendor, kind, prefixes and tuple(prefixes), limit)
    if key not in _STATEMENTS:
        if len(_STATEMENTS) > 5000:  # one per area scope and kind: bounded in practice
            _STATEMENTS.clear()
        _STATEMENTS[key] = _compile(user, kind, len(values), limit)
    sql, plan = _STATEMENTS[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, _bind(plan, values, connection.vendor))
        return [Hit(*row) for row in cursor.fetchall()]
