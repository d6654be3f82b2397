"""Rules as SQL: ``to_q(expr, on)`` turns a parsed rule into a filter over people.Resident for
the scan date ``on``. It must decide exactly as ``Rule.evaluate`` does (the differential test in
tests/test_rules_sql.py holds the two together).

- Ages become ranges of ``birth_date`` computed here for ``on`` (an index on birth_date serves
  them; no date arithmetic in SQL).
- Days to expiry become ranges of ``expires_on``; ``renewal_due`` is one range per certificate
  type with a renewal window (types are few), so SQL never does date arithmetic either.
- Tags, certificates and holds are EXISTS subqueries, each served by an index that starts with
  the resident's id.
- household_size is a correlated count of the household's active members (see
  ``household_size``), the same SQL one would write by hand.
"""

from __future__ import annotations

import datetime
from functools import reduce

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from . import rules as r
from .holdings import holdings

ACTIVE = "active"
TRUE = Q(pk__isnull=False)  # constant conditions that still compile inside Exists or a SELECT
FALSE = Q(pk__isnull=True)
_LOOKUPS = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


class _Context:
    """What one compilation needs from the database besides the rule: the renewal windows."""

    def __init__(self, on: datetime.date) -> None:
        self.on = on
        self._windows: dict[int, int] | None = None

    @property
    def windows(self) -> dict[int, int]:
        if self._windows is None:
            from doorstep.people.models import CertificateType

            rows = CertificateType.objects.filter(renewal_window_days__isnull=False)
            self._windows = dict(rows.values_list("id", "renewal_window_days"))
        return self._windows


def to_q(expr: r.Expr, on: datetime.date, context: _Context | None = None) -> Q:
    return _q(expr, context or _Context(on))


def context(on: datetime.date) -> _Context:
    """A context to share between several ``to_q`` calls of one scan (the explanation's)."""
    return _Context(on)


def _q(expr: r.Expr, ctx: _Context) -> Q:
    kind = type(expr)
    if kind is r.All:
        return reduce(lambda a, b: a & b, (_q(i, ctx) for i in expr.items))
    if kind is r.AnyOf:
        return reduce(lambda a, b: a | b, (_q(i, ctx) for i in expr.items))
    if kind is r.Not:
        return ~_q(expr.item, ctx)
    if kind is r.Compare:
        return _compare(expr.fact, expr.op, expr.value, ctx.on)
    if kind is r.InList:
        if expr.fact in ("age", "household_size"):
            return reduce(
                lambda a, b: a | b, (_compare(expr.fact, "==", v, ctx.on) for v in expr.values)
            )
        return Q(**{_COLUMNS[expr.fact] + "__in": list(expr.values)})
    if kind is r.StartsWith:
        return Q(area_code__startswith=expr.prefix)
    if kind is r.BoolFact:  # lives_alone
        q = _household_size("==", 1)
        return q if expr.expected else ~q
    if kind is r.HasTag:
        from doorstep.people.models import ResidentTag

        return Q(Exists(ResidentTag.objects.filter(resident_id=OuterRef("pk"), tag_id=expr.tag_id)))
    if kind is r.Holds:
        return Q(Exists(holdings().exists(expr, ctx.on)))
    if kind is r.Exists:
        from doorstep.people.models import Certificate

        rows = Certificate.objects.filter(resident_id=OuterRef("pk")).filter(
            _cert_q(expr.cond, ctx)
        )
        return Q(Exists(rows))
    raise TypeError(kind)  # pragma: no cover


_COLUMNS = {"sex": "sex", "status": "status", "area": "area_code"}


def _compare(fact: str, op: str, value, on: datetime.date) -> Q:
    if fact == "age":
        return _age(op, value, on)
    if fact == "household_size":
        return _household_size(op, value)
    column = _COLUMNS[fact]
    q = Q(**{column: value})
    return ~q if op == "!=" else q


# ---- age ----------------------------------------------------------------------------------


def born_by(on: datetime.date, years: int) -> datetime.date | None:
    """The latest birth date of someone at least ``years`` old on ``on`` (None: nobody is).

    Someone born on Feb 29 turns a year older on Mar 1 in common years, so on Feb 28 of a
    common year the cutoff is Feb 28 itself; this is what (month, day) ordering gives.
    """
    year = on.year - years
    if year < 1:
        return None
    if year > 9999:
        return datetime.date.max
    try:
        return on.replace(year=year)
    except ValueError:  # on is Feb 29, ``year`` is a common year
        return datetime.date(year, 2, 28)


def _at_least(years: int, on: datetime.date) -> Q:
    cutoff = born_by(on, years)
    return FALSE if cutoff is None else Q(birth_date__lte=cutoff)


def _younger_than(years: int, on: datetime.date) -> Q:
    cutoff = born_by(on, years)
    return TRUE if cutoff is None else Q(birth_date__gt=cutoff)


def _age(op: str, n: int, on: datetime.date) -> Q:
    if op == ">=":
        return _at_least(n, on)
    if op == ">":
        return _at_least(n + 1, on)
    if op == "<":
        return _younger_than(n, on)
    if op == "<=":
        return _younger_than(n + 1, on)
    exactly = _at_least(n, on) & _younger_than(n + 1, on)
    return exactly if op == "==" else ~exactly


# ---- household size -----------------------------------------------------------------------


def household_size():
    """``(SELECT COUNT(id) FROM people_resident m WHERE m.household_id = r.household_id AND
    m.status = 'active')``: 0 without a household (NULL matches nothing). Correlated, so the
    database evaluates it only for rows the cheaper conditions let through, each with one probe
    of the household_id index."""
    from doorstep.people.models import Resident

    members = Resident.objects.filter(household_id=OuterRef("household_id"), status=ACTIVE)
    count = members.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")
    return Subquery(count, output_field=IntegerField())


_SIZE_LOOKUPS = {
    "==": Exact,
    "<": LessThan,
    "<=": LessThanOrEqual,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
}


def _household_size(op: str, n: int) -> Q:
    if op == "!=":
        return ~Q(Exact(household_size(), n))
    return Q(_SIZE_LOOKUPS[op](household_size(), n))


# ---- certificates -------------------------------------------------------------------------


def _cert_q(expr: r.Expr, ctx: _Context) -> Q:
    """A filter over people.Certificate for the condition inside certificates.exists(…)."""
    kind = type(expr)
    if kind is r.All:
        return reduce(lambda a, b: a & b, (_cert_q(i, ctx) for i in expr.items))
    if kind is r.AnyOf:
        return reduce(lambda a, b: a | b, (_cert_q(i, ctx) for i in expr.items))
    if kind is r.Not:
        return ~_cert_q(expr.item, ctx)
    if kind is r.CertType:
        ids = list(expr.type_ids)
        q = Q(type_id=ids[0]) if len(ids) == 1 else Q(type_id__in=ids)
        return ~q if expr.negated else q
    if kind is r.CertDays:
        return _expiring(expr.op, expr.value, ctx.on)
    if kind is r.CertBool:
        q = _valid(ctx.on) if expr.fact == "valid" else _renewal_due(ctx)
        return q if expr.expected else ~q
    raise TypeError(kind)  # pragma: no cover


def _expiring(op: str, days: int, on: datetime.date) -> Q:
    """days_to_expiry ``op`` days. Rows without expiry fail it, and ``~`` of it (Django adds
    ``IS NOT NULL`` inside the NOT for a nullable column) lets them through."""
    date = on + datetime.timedelta(days=days)
    if op == "!=":
        return Q(expires_on__isnull=False) & ~Q(expires_on=date)
    return Q(**{"expires_on__" + _LOOKUPS[op]: date})


def _valid(on: datetime.date) -> Q:
    return Q(expires_on__isnull=True) | Q(expires_on__gte=on)


def _renewal_due(ctx: _Context) -> Q:
    on = ctx.on
    parts = [
        Q(type_id=type_id, expires_on__gte=on, expires_on__lte=on + datetime.timedelta(days=w))
        for type_id, w in sorted(ctx.windows.items())
    ]
    return reduce(lambda a, b: a | b, parts) if parts else FALSE
