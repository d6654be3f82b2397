"""The typed tree of a parsed rule (see rules.py), its evaluation in Python and the tree the
explanation page shows. Split from rules.py to keep modules small; import from rules.py."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# ---- the typed tree -----------------------------------------------------------------------


class Pos(NamedTuple):
    line: int
    column: int
    start: int  # offsets into the text, for the node's source text
    end: int


@dataclass(frozen=True, eq=False)
class Expr:
    pos: Pos


@dataclass(frozen=True, eq=False)
class All(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class AnyOf(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Not(Expr):
    item: Expr


@dataclass(frozen=True, eq=False)
class Compare(Expr):
    """``fact op value``; the fact is always on the left (a flipped comparison is turned)."""

    fact: str  # age, household_size, sex, status, area
    op: str  # == != < <= > >=
    value: int | str


@dataclass(frozen=True, eq=False)
class InList(Expr):
    fact: str
    values: tuple[Any, ...]


@dataclass(frozen=True, eq=False)
class StartsWith(Expr):
    """``area.startsWith("code")``: the resident lives within that area."""

    prefix: str


@dataclass(frozen=True, eq=False)
class BoolFact(Expr):
    fact: str  # lives_alone
    expected: bool


@dataclass(frozen=True, eq=False)
class HasTag(Expr):
    code: str
    tag_id: int


@dataclass(frozen=True, eq=False)
class Holds(Expr):
    code: str
    programme_id: int
    period: str  # the programme's Period
    kind: str  # its Kind: renewal programmes hold for any period


@dataclass(frozen=True, eq=False)
class Exists(Expr):
    """``certificates.exists(c, cond)``; ``cond`` is built of the Cert* nodes and All/AnyOf/Not."""

    var: str
    cond: Expr


@dataclass(frozen=True, eq=False)
class CertDays(Expr):
    op: str
    value: int


@dataclass(frozen=True, eq=False)
class CertType(Expr):
    negated: bool  # c.type != "x", or !(c.type in [...]) written as !=
    codes: tuple[str, ...]
    type_ids: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class CertBool(Expr):
    fact: str  # valid, renewal_due
    expected: bool


@dataclass(frozen=True)
class Node:
    """A rule as the explanation page shows it: all / any / not / condition, with its text."""

    kind: str
    text: str
    line: int
    column: int
    children: tuple[Node, ...] = ()
    expr: Expr | None = field(default=None, repr=False, compare=False)


# ---- facts and operators ------------------------------------------------------------------

FACTS = {
    "age": "int",
    "sex": "str",
    "status": "str",
    "area": "str",
    "tags": "tags",
    "household_size": "int",
    "lives_alone": "bool",
    "certificates": "certificates",
}
CERT_FIELDS = {"type": "str", "days_to_expiry": "int", "valid": "bool", "renewal_due": "bool"}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
OPERATORS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

# ---- evaluation in Python -----------------------------------------------------------------


def compile_python(expr: Expr) -> Callable[[Any], bool]:
    """Nested closures deciding ``expr`` for one ResidentFacts (or, inside Exists, for one
    CertificateFacts). Built once per rule; a call costs about a microsecond per node."""
    kind = type(expr)
    if kind in (All, AnyOf):
        parts = tuple(compile_python(item) for item in expr.items)
        return _all(parts) if kind is All else _any(parts)
    if kind is Not:
        inner = compile_python(expr.item)
        return lambda f: not inner(f)
    if kind is Compare:
        get, test, value = operator.attrgetter(expr.fact), OPERATORS[expr.op], expr.value
        return lambda f: test(get(f), value)
    if kind is InList:
        get, values = operator.attrgetter(expr.fact), frozenset(expr.values)
        return lambda f: get(f) in values
    if kind is StartsWith:
        prefix = expr.prefix
        return lambda f: f.area.startswith(prefix)
    if kind is BoolFact:  # lives_alone, the only one
        expected = expr.expected
        return lambda f: (f.household_size == 1) == expected
    if kind is HasTag:
        code = expr.code
        return lambda f: code in f.tags
    if kind is Holds:
        code = expr.code
        return lambda f: code in f.holds
    if kind is Exists:
        test = compile_python(expr.cond)
        return lambda f: any(map(test, f.certificates))
    if kind is CertDays:
        test, value = OPERATORS[expr.op], expr.value
        return lambda c: c.days_to_expiry is not None and test(c.days_to_expiry, value)
    if kind is CertType:
        codes, negated = frozenset(expr.codes), expr.negated
        return lambda c: (c.type in codes) != negated
    if kind is CertBool:
        get, expected = operator.attrgetter(expr.fact), expr.expected
        return lambda c: get(c) == expected
    raise TypeError(kind)  # pragma: no cover


def _all(parts):
    if len(parts) == 2:
        first, second = parts
        return lambda f: first(f) and second(f)

    def every(f) -> bool:
        for part in parts:
            if not part(f):
                return False
        return True

    return every


def _any(parts):
    if len(parts) == 2:
        first, second = parts
        return lambda f: first(f) or second(f)

    def some(f) -> bool:
        for part in parts:
            if part(f):
                return True
        return False

    return some


# ---- the tree the explanation page shows --------------------------------------------------


def node_of(expr: Expr, text: str) -> Node:
    kinds = {All: "all", AnyOf: "any", Not: "not"}
    kind = kinds.get(type(expr), "condition")
    if kind == "condition":
        children: tuple[Node, ...] = ()
    elif kind == "not":
        children = (node_of(expr.item, text),)
    else:
        children = tuple(node_of(item, text) for item in expr.items)
    pos = expr.pos
    return Node(kind, text[pos.start : pos.end], pos.line, pos.column, children, expr)


def iter_nodes(node: Node):
    """``node`` and every node below it, depth first."""
    yield node
    for child in node.children:
        yield from iter_nodes(child)
