"""Hot ORM reads compiled once and run again with new values.

On a request that runs a dozen small indexed reads, Django spends more time compiling each
query (resolving lookups, choosing columns, quoting names: 0.2–0.4 ms) than the database spends
answering it (tens of microseconds on SQLite). ``Prepared`` keeps the query written with the
ORM, compiles it once per thread and *variant* (whatever changes the SQL's shape, such as the
number of values in an ``IN`` list or a user's area prefixes), and afterwards only binds the
call's values into the compiled parameters. Rows become model instances (or ``values_list``
tuples) through the same compiler — its converters, deferred fields and ``select_related`` —
exactly as iterating the queryset would.

Only for hot paths, and only for values that appear as whole parameters (``pk=value``,
``code=value``, ``type_id__in=[...]``): the call's values replace markers that ``build`` was
given, so a value the ORM would transform before binding (a ``contains`` pattern, say) cannot
be prepared this way, and ``Prepared`` refuses it when it compiles.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

_serial = itertools.count(1)
MAX_VARIANTS = 1000  # compiled shapes kept per prepared query and thread


def int_marker() -> int:
    """A negative integer no id uses, to stand for an id while compiling. It stays inside a
    32-bit column's range: Django compiles a lookup with an out-of-range value to "nothing"."""
    return -2_000_000_000 - next(_serial)


def str_marker() -> str:
    return f"\x00prepared-{next(_serial)}\x00"


@dataclass
class _Plan:
    db: str
    sql: str
    params: list
    slots: list[tuple[int, int]]  # (position in params, index of the call's value)
    compiler: object
    kind: type
    model_slice: tuple[int, int] = (0, 0)
    init_list: tuple[str, ...] = ()
    populators: tuple = ()

    def rows_to_results(self, rows: list) -> list:
        results = self.compiler.results_iter([rows])
        if self.kind is FlatValuesListIterable:
            return [row[0] for row in results]
        if self.kind is ValuesListIterable:
            return [tuple(row) for row in results]
        model = self.compiler.klass_info["model"]
        start, end = self.model_slice
        objects = []
        for row in results:
            obj = model.from_db(self.db, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class Prepared:
    """``Prepared(build, markers)``: ``build(variant, *markers)`` returns the queryset;
    ``run(*values, variant=...)`` returns its results for ``values`` in place of ``markers``."""

    def __init__(self, build: Callable[..., QuerySet], markers: tuple):
        self.build = build
        self.markers = markers
        self._local = threading.local()

    def run(self, *values, variant: Hashable = None) -> list:
        if len(values) != len(self.markers):
            raise TypeError(f"expected {len(self.markers)} values, got {len(values)}")
        plan = self._plan(variant)
        if plan is None:  # the query can match nothing (an empty IN list, no areas)
            return []
        params = list(plan.params)
        for position, index in plan.slots:
            params[position] = values[index]
        with connections[plan.db].cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        return plan.rows_to_results(rows)

    def _plan(self, variant: Hashable) -> _Plan | None:
        plans = self._local.__dict__.setdefault("plans", {})
        if variant not in plans:
            if len(plans) >= MAX_VARIANTS:  # variants are few in practice (area scopes): a bound
                plans.clear()
            plans[variant] = self._compile(variant)
        return plans[variant]

    def _compile(self, variant: Hashable) -> _Plan | None:
        queryset = self.build(variant, *self.markers)
        kind = queryset._iterable_class
        if kind not in (ModelIterable, FlatValuesListIterable, ValuesListIterable):
            raise TypeError(f"cannot prepare a {kind.__name__} query")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        params = list(params)
        slots = [(i, self.markers.index(p)) for i, p in enumerate(params) if p in self.markers]
        if len({index for _i, index in slots}) != len(self.markers):
            raise ValueError("a value of a prepared query is not bound as a whole parameter")
        plan = _Plan(queryset.db, sql, params, slots, compiler, kind)
        if kind is ModelIterable:
            select, info = compiler.select, compiler.klass_info
            fields = info["select_fields"]
            plan.model_slice = (fields[0], fields[-1] + 1)
            plan.init_list = tuple(f[0].target.attname for f in select[fields[0] : fields[-1] + 1])
            plan.populators = tuple(get_related_populators(info, select, queryset.db))
        return plan
