"""Why (or why not) one resident meets a rule: the grant and stop rules as trees, each node
decided by the database (one query annotating every node for this resident, so the page shows
what a run would decide), with the facts behind each condition ("age 79 < 80"). What that
means for a programme (opted out, already granted) is proactive's ``why.py``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper
from django.utils.translation import gettext as _

from . import rules as r
from .facts import CertificateFacts, ResidentFacts, load_facts
from .rules import Node, iter_nodes, parse, parse_optional
from .rules_sql import context, to_q


@dataclass(frozen=True)
class ExplainedNode:
    kind: str  # all / any / not / condition
    text: str
    holds: bool  # decided by the database
    detail: str  # conditions: the facts behind the answer; "" for all / any / not
    children: tuple[ExplainedNode, ...]
    line: int = 1
    column: int = 1
    expr: r.Expr | None = field(default=None, repr=False, compare=False)  # for sentences


@dataclass(frozen=True)
class RulesExplained:
    grant: ExplainedNode
    stop: ExplainedNode | None
    facts: ResidentFacts


def explain_rules(grant_rule: str, stop_rule: str, resident, on: datetime.date) -> RulesExplained:
    """A grant rule and an optional stop rule as trees for one resident (a pk or a Resident) on
    ``on``: every node decided by the database in one query, conditions with the facts behind
    them. Raises rules.RuleError if a rule no longer parses (e.g. a tag it names was deleted)."""
    pk = getattr(resident, "pk", resident)
    grant_tree = parse(grant_rule).tree()
    stop = parse_optional(stop_rule)
    stop_tree = stop.tree() if stop else None
    decided = _decide(pk, [grant_tree, stop_tree], on)
    facts = load_facts([pk], on)[pk]
    names = _names(grant_tree, stop_tree)
    return RulesExplained(
        grant=_explained(grant_tree, decided, facts, names),
        stop=_explained(stop_tree, decided, facts, names) if stop_tree else None,
        facts=facts,
    )


def _decide(pk: int, trees: list[Node | None], on: datetime.date) -> dict[int, bool]:
    """{id(node): holds} for every node of the trees, in one query."""
    from doorstep.people.models import Resident

    shared = context(on)
    nodes = [node for tree in trees if tree for node in iter_nodes(tree)]
    annotations = {
        f"n{i}": ExpressionWrapper(to_q(node.expr, on, shared), output_field=BooleanField())
        for i, node in enumerate(nodes)
    }
    row = Resident.objects.filter(pk=pk).values(**annotations).get()
    return {id(node): bool(row[f"n{i}"]) for i, node in enumerate(nodes)}


# ---- details of conditions ----------------------------------------------------------------


def _explained(node: Node, decided: dict[int, bool], facts: ResidentFacts, names) -> ExplainedNode:
    children = tuple(_explained(child, decided, facts, names) for child in node.children)
    detail = _detail(node.expr, facts, names) if node.kind == "condition" else ""
    return ExplainedNode(
        node.kind, node.text, decided[id(node)], detail, children, node.line, node.column,
        node.expr,
    )  # fmt: skip


def _names(*trees: Node | None) -> dict[str, str]:
    """Names of the tags and certificate types the rules mention, by code."""
    from doorstep.people.models import CertificateType, Tag

    exprs = [node.expr for tree in trees if tree for node in iter_nodes(tree)]
    tags = {e.code for e in exprs if isinstance(e, r.HasTag)}
    names = dict(Tag.objects.filter(code__in=tags).values_list("code", "name")) if tags else {}
    if any(isinstance(e, r.Exists) for e in exprs):
        names.update(CertificateType.objects.values_list("code", "name"))
    return names


def _relation(actual: int, value: int) -> str:
    return "<" if actual < value else ">" if actual > value else "="


def _detail(expr: r.Expr, facts: ResidentFacts, names: dict[str, str]) -> str:
    kind = type(expr)
    if kind is r.Compare and expr.fact in ("age", "household_size"):
        actual = getattr(facts, expr.fact)
        return f"{expr.fact} {actual} {_relation(actual, expr.value)} {expr.value}"
    if kind in (r.Compare, r.InList):
        return _("%(fact)s is %(value)s") % {"fact": expr.fact, "value": getattr(facts, expr.fact)}
    if kind is r.StartsWith:
        return _("area is %(value)s") % {"value": facts.area}
    if kind is r.BoolFact:
        if facts.lives_alone:
            return _("lives alone (household of 1)")
        return _("does not live alone (household of %(n)s)") % {"n": facts.household_size}
    if kind is r.HasTag:
        name = names.get(expr.code, expr.code)
        if expr.code in facts.tags:
            return _("tag %(name)s present") % {"name": name}
        return _("tag %(name)s absent") % {"name": name}
    if kind is r.Holds:
        if expr.code in facts.holds:
            return _("holds %(code)s") % {"code": expr.code}
        return _("does not hold %(code)s") % {"code": expr.code}
    if kind is r.Exists:
        return _certificates_detail(expr, facts, names)
    return ""  # pragma: no cover


def _certificates_detail(expr: r.Exists, facts: ResidentFacts, names: dict[str, str]) -> str:
    test = r.compile_python(expr.cond)
    matching = [c for c in facts.certificates if test(c)]
    wanted = describe_certificates(expr.cond, names)
    if matching:
        return _("%(wanted)s: %(found)s") % {
            "wanted": wanted,
            "found": ", ".join(_certificate(c, names) for c in matching),
        }
    if not facts.certificates:
        return _("no %(wanted)s; no certificates on file") % {"wanted": wanted}
    return _("no %(wanted)s; on file: %(found)s") % {
        "wanted": wanted,
        "found": ", ".join(_certificate(c, names) for c in facts.certificates),
    }


def _certificate(c: CertificateFacts, names: dict[str, str]) -> str:
    name = c.type_name or names.get(c.type, c.type)
    days = c.days_to_expiry
    if days is None:
        return _("%(name)s (no expiry)") % {"name": name}
    if days < 0:
        return _("%(name)s (expired %(n)s days ago)") % {"name": name, "n": -days}
    return _("%(name)s (expires in %(n)s days)") % {"name": name, "n": days}


def describe_certificates(cond: r.Expr, names: dict[str, str]) -> str:
    """ "残疾人证 expiring within 365 days" for the usual conditions; the condition's own
    words otherwise."""
    parts = list(cond.items) if isinstance(cond, r.All) else [cond]
    kinds, phrases = [], []
    for part in parts:
        if isinstance(part, r.CertType) and not part.negated:
            kinds.append(_(" or ").join(names.get(code, code) for code in part.codes))
        elif isinstance(part, r.CertDays) and part.op in ("<", "<="):
            days = part.value - (part.op == "<")
            phrases.append(_("expiring within %(n)s days") % {"n": days})
        elif isinstance(part, r.CertDays) and part.op in (">", ">="):
            days = part.value + (part.op == ">")
            phrases.append(_("expiring in %(n)s days or more") % {"n": days})
        elif isinstance(part, r.CertBool):
            phrases.append(_CERT_BOOLS[(part.fact, part.expected)]())
        else:
            return _("certificate matching the rule")
    what = " ".join(kinds) or _("certificate")
    return " ".join([what, *phrases])


_CERT_BOOLS = {
    ("valid", True): lambda: _("still valid"),
    ("valid", False): lambda: _("no longer valid"),
    ("renewal_due", True): lambda: _("due for renewal"),
    ("renewal_due", False): lambda: _("not due for renewal"),
}
