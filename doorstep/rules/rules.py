"""Programme rules: a small, checked subset of CEL over a whitelist of resident facts.

``parse(text)`` reads the text with cel-python's parser (never its evaluator), walks the lark
tree into a small typed tree of our own (``All``/``AnyOf``/``Compare``/… in rules_ast.py) and
rejects everything outside the whitelist with the line, column and a sentence an administrator
understands. Tags, certificate types, programmes and areas named in a rule are looked up in the
database here, so a rule that names something unknown is refused when it is saved.

A parsed ``Rule`` then answers in two ways that must always agree:

- ``rule.q(on)``: a filter over ``people.Resident`` for the scan date ``on`` (see rules_sql.py),
  which is what runs use;
- ``rule.evaluate(facts)``: plain Python over one resident's ``ResidentFacts`` (facts.py), for
  explanations and checks.

Null semantics: a certificate without expiry has no ``days_to_expiry``; every comparison with it
is false and the negation of such a comparison is true (SQL's NULL, the way Django's ``~Q``
treats a nullable column).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import lark
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import celstr
from django.utils.translation import gettext as _

from .holdings import holdings
from .rules_ast import (  # noqa: F401 - the tree's names are part of this module's API
    CERT_FIELDS,
    FACTS,
    FLIPPED,
    OPERATORS,
    All,
    AnyOf,
    BoolFact,
    CertBool,
    CertDays,
    CertType,
    Compare,
    Exists,
    Expr,
    HasTag,
    Holds,
    InList,
    Node,
    Not,
    Pos,
    StartsWith,
    compile_python,
    iter_nodes,
    node_of,
)

# ---- problems -----------------------------------------------------------------------------


class Problem(NamedTuple):
    """One thing wrong with a rule, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s, column %(column)s: %(message)s") % self._asdict()


class RuleError(ValueError):
    """A rule that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


RELATIONS = {
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
}
LIMIT = 100_000  # numbers in rules stay within ±LIMIT, so dates computed from them exist
_COMMENT = re.compile(r"//[^\n]*")


# ---- the rule -----------------------------------------------------------------------------


class Rule:
    """A checked rule. Build it with ``parse``."""

    def __init__(self, text: str, expr: Expr) -> None:
        self.text = text
        self.expr = expr
        self._evaluate = compile_python(expr)

    def __repr__(self) -> str:
        return f"<Rule {self.text!r}>"

    def q(self, on):  # -> Q
        """A filter over people.Resident: who meets the rule on the scan date ``on``."""
        from .rules_sql import to_q

        return to_q(self.expr, on)

    def evaluate(self, facts) -> bool:
        """Whether one resident's facts (facts.ResidentFacts) meet the rule."""
        return self._evaluate(facts)

    def tree(self) -> Node:
        return node_of(self.expr, self.text)


def parse(text: str) -> Rule:
    """The rule written in ``text``; RuleError when it cannot be used."""
    expr, problems = _parse(text)
    if problems:
        raise RuleError(problems)
    return Rule(text, expr)


def parse_optional(text: str) -> Rule | None:
    """Like ``parse``, but an empty text (an empty stop rule: "never") gives None."""
    return parse(text) if _COMMENT.sub("", text or "").strip() else None


def check(text: str) -> list[Problem]:
    """Every problem in ``text``; [] when it is a usable rule."""
    return _parse(text)[1]


def _parse(text: str) -> tuple[Expr | None, list[Problem]]:
    if not _COMMENT.sub("", text or "").strip():
        return None, [Problem(1, 1, _("The rule is empty: write a condition, e.g. age >= 80."))]
    try:
        tree = CELParser().parse(text)
    except CELParseError as error:
        return None, [_syntax_problem(error)]
    walker = _Walker(text)
    try:
        _place_booleans(tree, text)
        result = walker.condition(walker.walk(tree), tree)
    except RecursionError:
        return None, [Problem(1, 1, _("The rule is nested too deeply."))]
    problems = sorted(set(walker.problems))
    return (None if problems else result), problems


def _syntax_problem(error: CELParseError) -> Problem:
    cause = error.__cause__ or error.__context__
    line, column = error.line or 1, error.column or 1
    if isinstance(cause, lark.UnexpectedToken):
        token = cause.token
        if token.type == "$END":
            message = _("Syntax error: the rule ends too early; something is missing.")
        else:
            message = _("Syntax error: “%(token)s” is not expected here.") % {"token": token}
    elif isinstance(cause, lark.UnexpectedCharacters):
        char = cause.char
        if char in "\"'":
            message = _("Syntax error: a text in quotes is not closed.")
        else:
            message = _("Syntax error: the character “%(char)s” is not expected here.") % {
                "char": char
            }
    else:
        message = _("Syntax error: the rule cannot be read.")
    return Problem(line, column, message)


_BOOLEAN = re.compile(r"""//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\b(true|false)\b""")


def _place_booleans(tree: lark.Tree, text: str) -> None:
    """Give ``true`` / ``false`` their place in the text, and widen the trees around them.

    cel-python's lexer turns these identifiers into BOOL_LIT tokens without a position, so the
    tree ``lives_alone == true`` would end before ``true``. Walking left to right, the next
    ``true``/``false`` outside strings and comments after the last placed token is this one.
    """
    cursor = 0

    def place(node: lark.Tree) -> None:
        nonlocal cursor
        if not node.meta.empty and _get(node.meta, "start_pos") is not None:
            cursor = max(cursor, node.meta.start_pos)
        for index, child in enumerate(node.children):
            if isinstance(child, lark.Tree):
                place(child)
                _widen(node.meta, child.meta)
                continue
            if not isinstance(child, lark.Token):
                continue
            if child.start_pos is None and child.type == "BOOL_LIT":
                child = node.children[index] = _placed(child, text, cursor)
            if child.start_pos is not None:
                cursor = max(cursor, child.end_pos)
                _widen(node.meta, child)
        if _placed_meta(node.meta):
            cursor = max(cursor, node.meta.end_pos)

    place(tree)


def _placed(token: lark.Token, text: str, cursor: int) -> lark.Token:
    match = next((m for m in _BOOLEAN.finditer(text, cursor) if m.group(1) == token), None)
    if match is None:  # pragma: no cover - the lexer found it, so it is there
        return token
    start, end = match.span()
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    return lark.Token(token.type, str(token), start, line, column, line, column + end - start, end)


def _placed_meta(meta) -> bool:
    return (
        not meta.empty and _get(meta, "start_pos") is not None and _get(meta, "end_pos") is not None
    )


def _get(meta, name: str):
    return getattr(meta, name, None)


def _widen(meta, part) -> None:
    """Make ``meta`` cover ``part`` (a child's Meta or a Token)."""
    if getattr(part, "empty", False) or getattr(part, "start_pos", None) is None:
        return
    start, end = (None, None) if meta.empty else (_get(meta, "start_pos"), _get(meta, "end_pos"))
    if start is None or part.start_pos < start:
        meta.line, meta.column, meta.start_pos = part.line, part.column, part.start_pos
    if end is None or part.end_pos > end:
        meta.end_line, meta.end_column, meta.end_pos = part.end_line, part.end_column, part.end_pos
    meta.empty = False


# ---- walking the lark tree ----------------------------------------------------------------


@dataclass
class _Fact:
    name: str
    type: str
    pos: Pos
    cert: bool = False  # a certificate field (c.type) rather than a resident fact


@dataclass
class _Lit:
    value: Any
    type: str  # int, str, bool, float, null, bytes, uint
    pos: Pos
    text: str


@dataclass
class _List:
    items: list[_Lit]
    pos: Pos


@dataclass
class _Var:
    name: str
    pos: Pos


_BAD = object()  # a part with a problem already reported


def _pos(item: lark.Tree | lark.Token) -> Pos:
    if isinstance(item, lark.Token):
        return Pos(item.line, item.column, item.start_pos, item.end_pos)
    meta = item.meta
    return Pos(meta.line, meta.column, meta.start_pos, meta.end_pos)


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[Problem] = []
        self.scope: str | None = None  # the variable of certificates.exists(c, …)

    def problem(self, where: Pos | lark.Tree | lark.Token, message: str) -> object:
        pos = where if isinstance(where, Pos) else _pos(where)
        self.problems.append(Problem(pos.line or 1, pos.column or 1, message))
        return _BAD

    def source(self, pos: Pos) -> str:
        return self.text[pos.start : pos.end]

    def walk(self, tree: lark.Tree) -> Any:
        method = getattr(self, "w_" + tree.data, None)
        if method is None:
            for child in tree.children:
                if isinstance(child, lark.Tree):
                    self.walk(child)
            return self.problem(tree, _("This is not allowed in a rule."))
        return method(tree)

    # -- structure --

    def w_expr(self, tree):
        if len(tree.children) == 1:
            return self.walk(tree.children[0])
        for child in tree.children:
            self.walk(child)
        return self.problem(
            tree, _("The choice “? :” is not allowed in a rule; use && and || instead.")
        )

    def _chain(self, tree, name):
        operands = []
        while len(tree.children) == 2:
            operands.append(tree.children[1])
            tree = tree.children[0]
        operands.append(tree.children[0])
        return list(reversed(operands))

    def _junction(self, tree, kind):
        operands = self._chain(tree, tree.data)
        if len(operands) == 1:
            return self.walk(operands[0])
        items = [self.condition(self.walk(o), o) for o in operands]
        if any(i is _BAD for i in items):
            return _BAD
        flat: list[Expr] = []
        for item in items:
            flat.extend(item.items if type(item) is kind else [item])
        return kind(_pos(tree), tuple(flat))

    def w_conditionalor(self, tree):
        return self._junction(tree, AnyOf)

    def w_conditionaland(self, tree):
        return self._junction(tree, All)

    def w_relation(self, tree):
        if len(tree.children) == 1:
            return self.walk(tree.children[0])
        op_tree, right_tree = tree.children
        left = self.walk(op_tree.children[0])
        right = self.walk(right_tree)
        if left is _BAD or right is _BAD:
            return _BAD
        op = RELATIONS[op_tree.data]
        if op == "in":
            return self.membership(left, right, tree)
        return self.comparison(op, left, right, tree)

    def _arithmetic(self, tree):
        if len(tree.children) == 1:
            return self.walk(tree.children[0])
        operator_tree, operand = tree.children
        self.walk(operator_tree.children[0])
        self.walk(operand)
        return self.problem(tree, _("Arithmetic is not allowed in a rule."))

    w_addition = w_multiplication = _arithmetic

    def w_unary(self, tree):
        if len(tree.children) == 1:
            return self.walk(tree.children[0])
        sign, operand_tree = tree.children
        operand = self.walk(operand_tree)
        if operand is _BAD:
            return _BAD
        if sign.data == "unary_neg":
            if isinstance(operand, _Lit) and operand.type == "int":
                return _Lit(-operand.value, "int", _pos(tree), self.source(_pos(tree)))
            return self.problem(tree, _("Arithmetic is not allowed in a rule."))
        item = self.condition(operand, operand_tree)
        return _BAD if item is _BAD else Not(_pos(tree), item)

    def w_member(self, tree):
        return self.walk(tree.children[0])

    w_primary = w_member

    def w_member_index(self, tree):
        return self.problem(tree, _("Picking an item with [ ] is not allowed in a rule."))

    def w_map_lit(self, tree):
        return self.problem(tree, _("Maps { … } are not allowed in a rule."))

    def w_paren_expr(self, tree):
        return self.walk(tree.children[0])

    # -- names, literals, lists --

    def w_ident(self, tree):
        token = tree.children[0]
        name = str(token)
        if self.scope is not None:
            if name == self.scope:
                return _Var(name, _pos(tree))
            return self.problem(
                token,
                _(
                    "Inside certificates.exists(…) only the certificate’s fields can be used: "
                    "%(var)s.type, %(var)s.days_to_expiry, %(var)s.valid, %(var)s.renewal_due."
                )
                % {"var": self.scope},
            )
        if name in FACTS:
            return _Fact(name, FACTS[name], _pos(tree))
        message = _("Unknown fact “%(name)s”. Known facts: %(facts)s.") % {
            "name": name,
            "facts": ", ".join(FACTS),
        }
        close = difflib.get_close_matches(name, FACTS, n=1)
        if close:
            message += " " + _("Did you mean “%(fact)s”?") % {"fact": close[0]}
        return self.problem(token, message)

    def w_literal(self, tree):
        token = tree.children[0]
        pos, text = _pos(tree), str(token)
        kind = token.type
        if kind == "INT_LIT":
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("-")
            value = sign * int(digits, 16 if digits[:2].lower() == "0x" else 10)
            if abs(value) > LIMIT:
                return self.problem(
                    tree, _("The number %(n)s is too large for a rule.") % {"n": text}
                )
            return _Lit(value, "int", pos, text)
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            return _Lit(str(celstr(token)), "str", pos, text)
        if kind == "BOOL_LIT":
            return _Lit(text == "true", "bool", pos, text)
        types = {"UINT_LIT": "uint", "FLOAT_LIT": "float", "NULL_LIT": "null"}
        return _Lit(None, types.get(kind, "bytes"), pos, text)

    def w_list_lit(self, tree):
        items = []
        for expr in tree.children[0].children if tree.children else []:
            item = self.walk(expr)
            if item is _BAD:
                return _BAD
            if not isinstance(item, _Lit):
                return self.problem(expr, _("A list in a rule may only hold values."))
            items.append(item)
        return _List(items, _pos(tree))

    # -- calls: holds(…), area.startsWith(…), certificates.exists(…) --

    def _args(self, tree) -> list[lark.Tree]:
        last = tree.children[-1]
        return list(last.children) if isinstance(last, lark.Tree) else []

    def w_ident_arg(self, tree):
        name = str(tree.children[0])
        args = self._args(tree)
        if name != "holds":
            return self.problem(
                tree,
                _('Unknown function “%(name)s”. The only function is holds("programme code").')
                % {"name": name},
            )
        if self.scope is not None:
            return self.problem(tree, _("holds(…) cannot be used inside certificates.exists(…)."))
        value = self.walk(args[0]) if len(args) == 1 else None
        if value is _BAD:
            return _BAD
        if not isinstance(value, _Lit) or value.type != "str":
            return self.problem(
                tree, _('holds takes one programme code in quotes: holds("elderly-80").')
            )
        return self.programme(value, tree)

    def w_member_dot_arg(self, tree):
        target = self.walk(tree.children[0])
        method = str(tree.children[1])
        args = self._args(tree) if len(tree.children) == 3 else []
        if target is _BAD:
            return _BAD
        if isinstance(target, _Fact) and not target.cert:
            if method == "startsWith" and target.name == "area":
                return self.starts_with(args, tree)
            if method == "exists" and target.name == "certificates":
                return self.exists(args, tree)
            if target.name == "certificates" and method in ("all", "exists_one", "map", "filter"):
                return self.problem(tree, _("Only certificates.exists(c, …) can be used."))
            if method == "exists":
                return self.problem(
                    tree,
                    _(
                        "exists(…) only works on certificates, as in "
                        'certificates.exists(c, c.type == "disability"); %(fact)s is not a list of '
                        "certificates."
                    )
                    % {"fact": target.name},
                )
        return self.problem(
            tree,
            _(
                "Unknown function “%(name)s”. Functions: holds(…), area.startsWith(…), "
                "certificates.exists(…)."
            )
            % {"name": method},
        )

    def starts_with(self, args, tree):
        value = self.walk(args[0]) if len(args) == 1 else None
        if value is _BAD:
            return _BAD
        if not isinstance(value, _Lit) or value.type != "str":
            return self.problem(
                tree, _('startsWith takes one area code in quotes: area.startsWith("420105006").')
            )
        if self.area(value) is _BAD:
            return _BAD
        return StartsWith(_pos(tree), value.value)

    def exists(self, args, tree):
        var = _bare_name(args[0]) if len(args) == 2 else None
        if var is None:
            return self.problem(
                tree,
                _(
                    "Write certificates.exists(c, …) with a name and a condition, as in "
                    'certificates.exists(c, c.type == "disability").'
                ),
            )
        if self.scope is not None:
            return self.problem(tree, _("certificates.exists(…) cannot be nested."))
        self.scope = var
        try:
            cond = self.condition(self.walk(args[1]), args[1])
        finally:
            self.scope = None
        return _BAD if cond is _BAD else Exists(_pos(tree), var, cond)

    def w_member_dot(self, tree):
        target = self.walk(tree.children[0])
        name = str(tree.children[1])
        if target is _BAD:
            return _BAD
        if isinstance(target, _Var):
            if name in CERT_FIELDS:
                return _Fact(name, CERT_FIELDS[name], _pos(tree), cert=True)
            return self.problem(
                tree.children[1],
                _(
                    "A certificate has no “%(name)s”. Known: type, days_to_expiry, valid, "
                    "renewal_due."
                )
                % {"name": name},
            )
        return self.problem(
            tree, _("“%(text)s” is not a fact.") % {"text": self.source(_pos(tree))}
        )

    # -- turning parts into conditions --

    def condition(self, value, tree) -> Any:
        if value is _BAD or isinstance(value, Expr):
            return value
        pos = value.pos if hasattr(value, "pos") else _pos(tree)
        if isinstance(value, _Fact) and value.type == "bool":
            if value.cert:
                return CertBool(pos, value.name, True)
            return BoolFact(pos, value.name, True)
        if isinstance(value, _Fact) and value.type == "int":
            message = _("%(fact)s is a number, not a condition: compare it, e.g. %(fact)s >= 80.")
        elif isinstance(value, _Fact) and value.type == "tags":
            message = _('tags is a list, not a condition: write "低保" in tags.')
        elif isinstance(value, _Fact) and value.type == "certificates":
            message = _("certificates is a list, not a condition: write certificates.exists(c, …).")
        elif isinstance(value, _Fact):
            message = _('%(fact)s is a text, not a condition: compare it, e.g. %(fact)s == "…".')
        else:
            message = _("“%(text)s” on its own is not a condition.")
        name = getattr(value, "name", "")
        return self.problem(pos, message % {"fact": name, "text": self.source(pos)})

    # -- comparisons and membership --

    def comparison(self, op, left, right, tree):
        if isinstance(left, (_Lit, _List)) and isinstance(right, _Fact):
            left, right, op = right, left, FLIPPED[op]
        if not isinstance(left, _Fact) or isinstance(right, (Expr, _Var)):
            if isinstance(left, _Lit) and isinstance(right, _Lit):
                message = _("A comparison needs a fact on one side, e.g. age >= 80.")
            else:
                message = _("Compare a fact with a value, e.g. age >= 80.")
            return self.problem(tree, message)
        if isinstance(right, _Fact):
            return self.problem(tree, _("Compare a fact with a value, not with another fact."))
        if isinstance(right, _List):
            return self.problem(
                right.pos, _('A list can only follow “in”, as in sex in ["M", "F"].')
            )
        if left.type in ("tags", "certificates"):
            return self.condition(left, tree)  # reports how to use the list
        if left.type != "int" and op not in ("==", "!="):
            return self.problem(
                tree, _("%(fact)s can only be compared with == or !=.") % {"fact": left.name}
            )
        value = self.value_for(left, right)
        if value is _BAD:
            return _BAD
        pos = _pos(tree)
        if left.type == "bool":
            expected = value if op == "==" else not value
            if left.cert:
                return CertBool(pos, left.name, expected)
            return BoolFact(pos, left.name, expected)
        if left.cert and left.name == "type":
            return CertType(pos, op == "!=", (value[0],), (value[1],))
        if left.cert:
            return CertDays(pos, op, value)
        return Compare(pos, left.name, op, value)

    def membership(self, left, right, tree):
        if isinstance(right, _Fact) and right.type == "tags":
            if not (isinstance(left, _Lit) and left.type == "str"):
                return self.problem(tree, _('Tags are texts: write "低保" in tags.'))
            found = self.tag(left)
            return _BAD if found is _BAD else HasTag(_pos(tree), *found)
        if isinstance(right, _Fact) and right.type == "certificates":
            return self.problem(
                tree, _('To ask about certificates write certificates.exists(c, c.type == "…").')
            )
        if not (isinstance(left, _Fact) and isinstance(right, _List)):
            return self.problem(
                tree,
                _(
                    '“in” needs a fact on its left and a list on its right, as in sex in ["M", '
                    '"F"], or a tag: "低保" in tags.'
                ),
            )
        if left.type in ("tags", "certificates", "bool"):
            return self.problem(
                tree, _("%(fact)s cannot be looked up in a list.") % {"fact": left.name}
            )
        if not right.items:
            return self.problem(right.pos, _("The list is empty."))
        values = [self.value_for(left, item) for item in right.items]
        if _BAD in values:
            return _BAD
        pos = _pos(tree)
        if left.cert and left.name == "type":
            return CertType(pos, False, tuple(v[0] for v in values), tuple(v[1] for v in values))
        if left.cert:
            return AnyOf(
                pos,
                tuple(CertDays(i.pos, "==", v) for i, v in zip(right.items, values, strict=True)),
            )
        return InList(pos, left.name, tuple(dict.fromkeys(values)))

    def value_for(self, fact: _Fact, lit: _Lit) -> Any:
        shown = lit.value if lit.type == "str" else lit.text
        names = {"fact": fact.name, "text": shown}
        if fact.type == "int":
            if lit.type != "int":
                return self.problem(
                    lit.pos,
                    _("%(fact)s is a number: compare it with a number, not “%(text)s”.") % names,
                )
            return lit.value
        if fact.type == "bool":
            if lit.type != "bool":
                return self.problem(
                    lit.pos,
                    _("%(fact)s is true or false: compare it with true or false, not “%(text)s”.")
                    % names,
                )
            return lit.value
        if lit.type != "str":
            return self.problem(
                lit.pos,
                _("%(fact)s is a text: write the value in quotes, not “%(text)s”.") % names,
            )
        if fact.cert:
            return self.certificate_type(lit)
        return getattr(self, "check_" + fact.name)(lit)

    # -- values named in rules, checked against the database --

    def check_sex(self, lit: _Lit) -> Any:
        if lit.value in ("M", "F"):
            return lit.value
        return self.problem(lit.pos, _('sex is "M" or "F", not “%(v)s”.') % {"v": lit.value})

    def check_status(self, lit: _Lit) -> Any:
        from doorstep.people.choices import ResidentStatus

        if lit.value in ResidentStatus.values:
            return lit.value
        return self.problem(
            lit.pos,
            _("No status “%(v)s”. Statuses: %(known)s.")
            % {"v": lit.value, "known": ", ".join(ResidentStatus.values)},
        )

    def check_area(self, lit: _Lit) -> Any:
        return self.area(lit)

    def area(self, lit: _Lit) -> Any:
        from doorstep.places.models import Area

        if Area.objects.filter(code=lit.value).exists():
            return lit.value
        return self.problem(lit.pos, _("No area “%(v)s”.") % {"v": lit.value})

    def tag(self, lit: _Lit) -> Any:
        from doorstep.people.models import Tag

        return self._lookup(Tag, lit, _("No tag “%(v)s”."))

    def certificate_type(self, lit: _Lit) -> Any:
        from doorstep.people.models import CertificateType

        return self._lookup(CertificateType, lit, _("No certificate type “%(v)s”."))

    def _lookup(self, model, lit: _Lit, message: str) -> Any:
        """(code, id) of the row whose code, or else name, is the literal."""
        rows = dict(
            model.objects.filter(code=lit.value).values_list("code", "id")
            or model.objects.filter(name=lit.value).values_list("code", "id")
        )
        if rows:
            return next(iter(rows.items()))
        return self.problem(lit.pos, message % {"v": lit.value})

    def programme(self, lit: _Lit, tree) -> Any:
        held = holdings().find(lit.value)
        if held is None:
            return self.problem(lit.pos, _("No programme “%(v)s”.") % {"v": lit.value})
        return Holds(_pos(tree), lit.value, held.id, held.period, held.kind)


def _bare_name(tree: lark.Tree) -> str | None:
    """The name when ``tree`` is nothing but an identifier (the ``c`` of exists(c, …))."""
    while isinstance(tree, lark.Tree) and len(tree.children) == 1:
        if tree.data == "ident":
            return str(tree.children[0])
        tree = tree.children[0]
    return None
