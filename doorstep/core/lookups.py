"""``field__prefix="abc"``: a starts-with match that an ordinary index can answer.

Django's ``startswith`` is a LIKE; PostgreSQL answers it from the ``*_like`` pattern index that
Django adds to indexed text columns, but SQLite's LIKE is case-insensitive and so never uses a
BINARY index. On SQLite we ask for the equivalent half-open range instead.
"""

from __future__ import annotations

from django.db.models import CharField, Lookup

_TOP = "\U0010ffff"


def like_escape(value: str) -> str:
    """``value`` as a literal inside a LIKE pattern (backslash is PostgreSQL's escape)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = self.rhs
        if connection.vendor == "sqlite":
            return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, value + _TOP]
        return f"{lhs} LIKE %s", [*lhs_params, like_escape(value) + "%"]


@CharField.register_lookup
class PrefixFilter(Prefix):
    """``field__prefix_filter="abc"``: the same match, kept out of SQLite's choice of index.

    For a broad condition (an area scope covering a whole district) next to a narrow one (a
    name search). Without statistics SQLite rates every range alike and would walk the broad
    one; a unary ``+`` makes it use the narrow one. PostgreSQL's planner has statistics.
    """

    lookup_name = "prefix_filter"

    def as_sql(self, compiler, connection):
        if connection.vendor != "sqlite":
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = self.rhs
        return f"(+{lhs} >= %s AND +{lhs} < %s)", [*lhs_params, value, value + _TOP]
