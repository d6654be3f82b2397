"""Small SQL functions the runs need, written once per database (SQLite and PostgreSQL).

A run writes thousands of rows with ``INSERT … SELECT``: every value that differs per row — a
resident's random link token, a renewal case's receipt number, a certificate's expiry as
``YYYYMMDD`` — has to be computed by the database in the same statement.
"""

from __future__ import annotations

from django.db.models import CharField, Func, Value
from django.db.models.functions import Concat


class RandomToken(Func):
    """32 random hexadecimal characters (128 bits), drawn for each row."""

    output_field = CharField(max_length=32)
    arity = 0

    def as_sqlite(self, compiler, connection, **extra):
        return "lower(hex(randomblob(16)))", []

    def as_postgresql(self, compiler, connection, **extra):
        return "replace(gen_random_uuid()::text, '-', '')", []

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases
        raise NotImplementedError(f"RandomToken does not support {connection.vendor}")


class RandomChar(Func):
    """One character of ``alphabet`` drawn at random for each row (and each use)."""

    output_field = CharField(max_length=1)
    arity = 0

    def __init__(self, alphabet: str, **extra):
        if not alphabet or "'" in alphabet or "\\" in alphabet:
            raise ValueError("an alphabet of plain characters")
        self.alphabet = alphabet
        super().__init__(**extra)

    def as_sqlite(self, compiler, connection, **extra):
        # random() is a 64-bit integer; abs() of the smallest one overflows, so take the
        # remainder first.
        n = len(self.alphabet)
        return f"substr(%s, (abs(random() %% {n})) + 1, 1)", [self.alphabet]

    def as_postgresql(self, compiler, connection, **extra):
        n = len(self.alphabet)
        return f"substr(%s, floor(random() * {n})::int + 1, 1)", [self.alphabet]

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases
        raise NotImplementedError(f"RandomChar does not support {connection.vendor}")


def random_code(alphabet: str, length: int) -> Concat:
    """``length`` characters of ``alphabet`` drawn at random for each row."""
    return Concat(*(RandomChar(alphabet) for _ in range(length)), output_field=CharField())


def receipt_expression(day, alphabet: str, length: int) -> Concat:
    """A case receipt number ``YYYYMMDD-XXXXXXXX`` (``cases.actions.intake.new_receipt``) for
    ``day``."""
    return Concat(Value(f"{day:%Y%m%d}-"), random_code(alphabet, length), output_field=CharField())


class CompactDate(Func):
    """A date as ``YYYYMMDD`` text."""

    output_field = CharField(max_length=8)
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="strftime('%%%%Y%%%%m%%%%d', %(expressions)s)"
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYYMMDD')")
