"""Set-based writes the ORM has no verb for: ``INSERT INTO … SELECT`` from a queryset.

A sweep that writes one row per matching row (an event per overdue case, a message per
event) should not pull the matches into Python and push them back: the database can copy
them in one statement. ``insert_from`` compiles an ordinary ``values()`` queryset — so the
filters, joins and expressions stay the ORM's, on SQLite and PostgreSQL alike — and wraps it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models import BooleanField, QuerySet, Value


def select_columns(queryset: QuerySet) -> list[str]:
    """The names of a ``values()`` queryset's columns, in the order its SQL selects them
    (Django 5.2 keeps the order in which ``values()`` names fields and expressions)."""
    query = queryset.query
    if query.selected is None or query.extra_select:
        raise ValueError("insert_from takes a values() queryset (and no extra())")
    return list(query.selected)


def insert_from(
    model: type[models.Model],
    fields: Sequence[str],
    queryset: QuerySet,
    *,
    ignore_conflicts: bool = False,
) -> int:
    """``INSERT INTO model (fields) SELECT …`` the rows of ``queryset``; returns how many rows
    were inserted (rows skipped by ``ignore_conflicts`` do not count).

    ``queryset`` is a ``values()`` queryset whose columns, in order, feed ``fields`` (the
    target model's field names): ``.values("status", event_at=Value(now), …)``; an
    expression's alias may not be a field name of the source model. Nothing of the target
    model runs: no ``save()``, no signals, no field defaults — every non-null column without a
    database default must be in ``fields``. A ``Value(…)`` is converted by its output field.

    ``ignore_conflicts`` skips rows that would break a unique constraint (``ON CONFLICT DO
    NOTHING``, SQLite 3.24+ and PostgreSQL), the way to make a repeated write idempotent.
    """
    columns = select_columns(queryset)
    if len(columns) != len(fields):
        raise ValueError(f"{len(fields)} fields to fill but the queryset selects {columns}")
    db = router.db_for_write(model)
    connection = connections[db]
    queryset = queryset.order_by()  # the order of an INSERT … SELECT is of no use: never sort
    if ignore_conflicts and connection.vendor == "sqlite" and not queryset.query.where:
        # SQLite reads "SELECT … FROM t ON CONFLICT" as the ON of a join: with a WHERE clause
        # (even "WHERE true") the upsert clause is unambiguous.
        queryset = queryset.filter(Value(True, output_field=BooleanField()))
    select_sql, params = queryset.query.get_compiler(db).as_sql()
    quote = connection.ops.quote_name
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {select_sql}"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
