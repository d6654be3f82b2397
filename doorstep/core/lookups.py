"""``field__prefix="abc"``: a starts-with match that an ordinary index can answer.

Django's ``startswith`` is a LIKE; PostgreSQL answers it from the ``*_like`` pattern index that
Django adds to indexed text columns, but SQLite's LIKE is case-insensitive and so never uses a
BINARY index. On SQLite we ask for the equivalent half-open range instead.
"""

from __future__ import annotations

from django.db.models import CharField, Lookup

_TOP = "\U0010ffff"


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = self.rhs
        if connection.vendor == "sqlite":
            return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, value + _TOP]
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
