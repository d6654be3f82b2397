"""Why / why not in sentences a clerk can say to a resident ("年龄79岁，未满80岁",
"户口不在汉阳区"), from the explained rule trees (``doorstep.rules.explain``) and the resident's
facts: field names and values through the rule vocabulary (status and sex by their labels,
tags, areas and programmes by their names), never the rule's own syntax.

A condition's sentence states the resident's fact as it bears on the condition, so it reads
right whether the condition holds or not, and under a ``!``.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.rules import rules as r
from doorstep.rules.explain import ExplainedNode
from doorstep.rules.facts import ResidentFacts


def _names_of(nodes: list[ExplainedNode]) -> dict[str, dict[str, str]]:
    """Names of the areas and programmes the conditions mention, read once."""
    from doorstep.people.models import Tag
    from doorstep.places.models import Area

    from .models import Programme

    exprs = [n.expr for n in nodes if n.expr is not None]
    codes = {e.prefix for e in exprs if isinstance(e, r.StartsWith)}
    codes |= {str(e.value) for e in exprs if isinstance(e, r.Compare) and e.fact == "area"}
    held = {e.code for e in exprs if isinstance(e, r.Holds)}
    tags = {e.code for e in exprs if isinstance(e, r.HasTag)}
    return {
        "tag": dict(Tag.objects.filter(code__in=tags).values_list("code", "name")),
        "area": dict(Area.objects.filter(code__in=codes).values_list("code", "name")),
        "programme": dict(Programme.objects.filter(code__in=held).values_list("code", "name")),
    }


def _walk(node: ExplainedNode):
    yield node
    for child in node.children:
        yield from _walk(child)


class Sentences:
    """Sentences for the nodes of one explanation (``of(node)``), and the reasons of an
    outcome (``failing`` / ``holding``)."""

    def __init__(self, facts: ResidentFacts, *trees: ExplainedNode | None) -> None:
        from doorstep.places.models import Area

        self.facts = facts
        nodes = [n for tree in trees if tree for n in _walk(tree)]
        self.names = _names_of(nodes)
        here = Area.objects.filter(code=facts.area).values_list("name", flat=True).first()
        self.here = here or facts.area

    # ---- one condition ----

    def of(self, node: ExplainedNode) -> str:
        expr = node.expr
        if node.kind != "condition" or expr is None:
            return ""
        kind = type(expr)
        if kind is r.Compare and expr.fact in ("age", "household_size"):
            return self._number(expr)
        if kind is r.Compare and expr.fact == "area":
            return self._area(str(expr.value), exact=True)
        if kind in (r.Compare, r.InList) and expr.fact in ("status", "sex"):
            return self._choice(expr)
        if kind is r.StartsWith:
            return self._area(expr.prefix, exact=False)
        if kind is r.HasTag:
            name = self.names["tag"].get(expr.code, expr.code)
            if expr.code in self.facts.tags:
                return _("has the “%(tag)s” mark") % {"tag": name}
            return _("does not have the “%(tag)s” mark") % {"tag": name}
        if kind is r.Holds:
            name = self.names["programme"].get(expr.code, expr.code)
            if expr.code in self.facts.holds:
                return _("already receives “%(name)s”") % {"name": name}
            return _("does not receive “%(name)s”") % {"name": name}
        return node.detail  # lives alone, certificates: already said in words

    def _number(self, expr: r.Compare) -> str:
        actual = getattr(self.facts, expr.fact)
        op, value = expr.op, int(expr.value)
        if op == ">":
            op, value = ">=", value + 1
        elif op == "<=":
            op, value = "<", value + 1
        reached = actual >= value
        age = expr.fact == "age"
        if op in (">=", "<"):
            if age:
                text = (
                    _("aged %(actual)s, %(value)s or over")
                    if reached
                    else _("aged %(actual)s, not yet %(value)s")
                )
            else:
                text = (
                    _("a household of %(actual)s, %(value)s or more")
                    if reached
                    else _("a household of %(actual)s, fewer than %(value)s")
                )
        elif age:
            text = _("aged %(actual)s")
        else:
            text = _("a household of %(actual)s")
        return text % {"actual": actual, "value": value}

    def _choice(self, expr) -> str:
        from doorstep.people.choices import ResidentStatus, Sex

        labels = dict((ResidentStatus if expr.fact == "status" else Sex).choices)
        actual = getattr(self.facts, expr.fact)
        shown = str(labels.get(actual, actual))
        wanted = expr.values if isinstance(expr, r.InList) else (expr.value,)
        wanted_text = _(" or ").join(f"“{labels.get(v, v)}”" for v in wanted)
        if expr.fact == "sex":
            return _("sex: %(actual)s") % {"actual": shown}
        if actual in wanted or getattr(expr, "op", "==") == "!=":
            return _("registered as “%(actual)s”") % {"actual": shown}
        return _("registered as “%(actual)s”, not %(wanted)s") % {
            "actual": shown,
            "wanted": wanted_text,
        }

    def _area(self, code: str, *, exact: bool) -> str:
        name = self.names["area"].get(code, code)
        inside = self.facts.area == code if exact else self.facts.area.startswith(code)
        if inside:
            return _("household registered in %(area)s") % {"area": name}
        return _("household not registered in %(area)s (registered in %(here)s)") % {
            "area": name,
            "here": self.here,
        }

    # ---- reasons of an outcome ----

    def failing(self, node: ExplainedNode) -> list[str]:
        """Why ``node`` (which does not hold) does not hold."""
        if node.kind == "condition":
            return [self.of(node)]
        if node.kind == "not":
            return self.holding(node.children[0])
        if node.kind == "all":
            return [s for c in node.children if not c.holds for s in self.failing(c)]
        return [s for c in node.children for s in self.failing(c)]  # any: none holds

    def holding(self, node: ExplainedNode) -> list[str]:
        """Why ``node`` (which holds) holds."""
        if node.kind == "condition":
            return [self.of(node)]
        if node.kind == "not":
            return self.failing(node.children[0])
        if node.kind == "any":
            return [s for c in node.children if c.holds for s in self.holding(c)]
        return [s for c in node.children for s in self.holding(c)]


def join(sentences: list[str]) -> str:
    """The sentences as one, with the active language's semicolon (a punctuation mark only,
    so not a catalogue entry: a translation must be Chinese words)."""
    mark = "；" if (get_language() or "").startswith("zh") else "; "
    return mark.join(s for s in sentences if s)
