"""Parsing rules: what is accepted, what it becomes, and every kind of refusal with its line,
column and reason. (SQL against Python: test_rules_sql.py.)"""

from __future__ import annotations

import pytest

from doorstep.rules.facts import CertificateFacts, ResidentFacts
from doorstep.rules.rules import (
    All,
    AnyOf,
    BoolFact,
    CertType,
    Compare,
    Exists,
    HasTag,
    Holds,
    Not,
    Problem,
    RuleError,
    check,
    iter_nodes,
    parse,
    parse_optional,
)

pytestmark = pytest.mark.usefixtures("places")


def only(text: str) -> Problem:
    problems = check(text)
    assert len(problems) == 1, problems
    return problems[0]


# ---- accepted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'age >= 80 && status == "active"',
        '"低保" in tags && (lives_alone || household_size <= 2)',
        'certificates.exists(c, c.type == "disability" && c.days_to_expiry <= 365)',
        'area.startsWith("420105006") && !holds("elderly-80")',
        "lives_alone == true || lives_alone != false",
        'sex in ["M", "F"] && age in [80, 90]',
        "certificates.exists(c, c.valid && !c.renewal_due)",
        "age >= 80 // a comment\n  && age < 120",
        "sex == 'F' && sex != r\"M\"",
        "age > -1",
    ],
)
def test_accepted(text, make_programme):
    make_programme("elderly-80", "age >= 80")
    assert check(text) == []
    assert parse(text).text == text


def test_literal_on_the_left_is_turned_round():
    expr = parse("80 <= age").expr
    assert isinstance(expr, Compare) and (expr.fact, expr.op, expr.value) == ("age", ">=", 80)
    assert parse("3 > household_size").expr.op == "<"


def test_and_or_not_make_a_tree():
    expr = parse('age >= 80 && sex == "F" && (lives_alone || !(age > 100))').expr
    assert isinstance(expr, All) and len(expr.items) == 3
    assert isinstance(expr.items[2], AnyOf)
    assert isinstance(expr.items[2].items[0], BoolFact)
    assert isinstance(expr.items[2].items[1], Not)


def test_tags_and_certificate_types_resolve_by_code_or_name():
    by_name, by_code = parse('"低保" in tags').expr, parse('"low-income" in tags').expr
    assert isinstance(by_name, HasTag) and by_name.code == by_code.code == "low-income"
    assert by_name.tag_id == by_code.tag_id
    cert = parse('certificates.exists(c, c.type == "残疾人证")').expr
    assert isinstance(cert, Exists) and isinstance(cert.cond, CertType)
    assert cert.cond.codes == ("disability",)


def test_holds_names_a_programme(make_programme):
    programme = make_programme("elderly-80", "age >= 80", period="monthly")
    expr = parse('holds("elderly-80")').expr
    assert isinstance(expr, Holds)
    assert (expr.programme_id, expr.period) == (programme.pk, "monthly")


def test_the_tree_for_explanations():
    text = 'age >= 80 &&\n  ("低保" in tags || !lives_alone)'
    tree = parse(text).tree()
    assert (tree.kind, tree.text, tree.line, tree.column) == ("all", text, 1, 1)
    age, either = tree.children
    assert (age.kind, age.text) == ("condition", "age >= 80")
    assert (either.kind, either.text, either.line, either.column) == (
        "any",
        '"低保" in tags || !lives_alone',
        2,
        4,
    )
    assert [n.kind for n in either.children] == ["condition", "not"]
    assert either.children[1].children[0].text == "lives_alone"
    assert len(list(iter_nodes(tree))) == 6


def test_boolean_literals_are_part_of_the_node_text():
    # cel-python's lexer gives true/false no position; parse() places them.
    tree = parse("age > 3 && // true\n  lives_alone != false").tree()
    assert tree.children[1].text == "lives_alone != false"
    assert (tree.children[1].line, tree.children[1].column) == (2, 3)
    assert only("age > true") == Problem(
        1, 7, "age is a number: compare it with a number, not “true”."
    )


def test_empty_stop_rule_means_never():
    assert parse_optional("") is None
    assert parse_optional("  // nobody\n") is None
    assert parse_optional("age > 3").text == "age > 3"
    with pytest.raises(RuleError):
        parse_optional("age >")


# ---- refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("age >= ", 1, 5, "Syntax error: the rule ends too early; something is missing."),
        ("age >= 80 &&& x", 1, 13, "Syntax error: the character “&” is not expected here."),
        ('sex == "F', 1, 8, "Syntax error: a text in quotes is not closed."),
        (
            'age >= 80 &&\n  sex = "F"',
            2,
            7,
            "Syntax error: the character “=” is not expected here.",
        ),
        ("age >= 80)", 1, 10, "Syntax error: “)” is not expected here."),
    ],
)
def test_syntax_errors(text, line, column, message):
    assert only(text) == Problem(line, column, message)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        (
            "agee >= 80",
            1,
            "Unknown fact “agee”. Known facts: age, sex, status, area, tags, household_size, "
            "lives_alone, certificates. Did you mean “age”?",
        ),
        ("age > 3 && x.y", 12, "Unknown fact “x”."),
        ('certificates.exists(c, c.colour == "red")', 26, "A certificate has no “colour”."),
        ("certificates.exists(c, age > 3)", 24, "Inside certificates.exists(…) only"),
    ],
)
def test_unknown_facts(text, column, message):
    problem = only(text)
    assert (problem.line, problem.column) == (1, column)
    assert problem.message.startswith(message)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('age > "eighty"', 7, "age is a number: compare it with a number, not “eighty”."),
        ("age > 80.5", 7, "age is a number: compare it with a number, not “80.5”."),
        ("age == null", 8, "age is a number: compare it with a number, not “null”."),
        ('age in [80, "x"]', 13, "age is a number: compare it with a number, not “x”."),
        ("sex == 1", 8, "sex is a text: write the value in quotes, not “1”."),
        (
            "lives_alone == 1",
            16,
            "lives_alone is true or false: compare it with true or false, not “1”.",
        ),
        (
            'certificates.exists(c, c.days_to_expiry <= "x")',
            44,
            "days_to_expiry is a number: compare it with a number, not “x”.",
        ),
        ('sex < "M"', 1, "sex can only be compared with == or !=."),
        ("lives_alone > true", 1, "lives_alone can only be compared with == or !=."),
        ("age > household_size", 1, "Compare a fact with a value, not with another fact."),
        ("1 < 2", 1, "A comparison needs a fact on one side, e.g. age >= 80."),
        ('sex == ["M"]', 8, 'A list can only follow “in”, as in sex in ["M", "F"].'),
        ("sex in []", 8, "The list is empty."),
        ("2 in tags", 1, 'Tags are texts: write "低保" in tags.'),
        ("age", 1, "age is a number, not a condition: compare it, e.g. age >= 80."),
        ("true", 1, "“true” on its own is not a condition."),
        ("age >= 80 && tags", 14, 'tags is a list, not a condition: write "低保" in tags.'),
        ("age > 1000000", 7, "The number 1000000 is too large for a rule."),
        ('sex == "X"', 8, 'sex is "M" or "F", not “X”.'),
        ('status == "gone"', 11, "No status “gone”. Statuses: active, moved_out, deceased."),
    ],
)
def test_wrong_types_and_values(text, column, message):
    assert only(text) == Problem(1, column, message)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('"nope" in tags', 1, "No tag “nope”."),
        ('certificates.exists(c, c.type == "nope")', 34, "No certificate type “nope”."),
        ('holds("nope")', 7, "No programme “nope”."),
        ('area.startsWith("999")', 17, "No area “999”."),
        ('area in ["420105006001", "999"]', 26, "No area “999”."),
    ],
)
def test_unknown_names_in_the_database(text, column, message):
    assert only(text) == Problem(1, column, message)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("age + 1 > 80", 1, "Arithmetic is not allowed in a rule."),
        ("age >= 2 * 40", 8, "Arithmetic is not allowed in a rule."),
        ("-age < 3", 1, "Arithmetic is not allowed in a rule."),
        (
            "age >= 80 ? true : false",
            1,
            "The choice “? :” is not allowed in a rule; use && and || instead.",
        ),
        (
            "size(tags) > 1",
            1,
            'Unknown function “size”. The only function is holds("programme code").',
        ),
        (
            "age > 3 && age.foo()",
            12,
            "Unknown function “foo”. Functions: holds(…), area.startsWith(…), "
            "certificates.exists(…).",
        ),
        (
            'tags.exists(t, t == "x")',
            1,
            "exists(…) only works on certificates, as in certificates.exists(c, c.type == "
            '"disability"); tags is not a list of certificates.',
        ),
        ("certificates.all(c, c.valid)", 1, "Only certificates.exists(c, …) can be used."),
        ('tags[0] == "x"', 1, "Picking an item with [ ] is not allowed in a rule."),
        ('{"a": 1}', 1, "Maps { … } are not allowed in a rule."),
        (
            'certificates.exists(c, holds("x"))',
            24,
            "holds(…) cannot be used inside certificates.exists(…).",
        ),
    ],
)
def test_outside_the_language(text, column, message):
    assert only(text) == Problem(1, column, message)


@pytest.mark.parametrize("text", ["", "   \n", "// nothing but a comment"])
def test_empty_rule(text):
    assert only(text) == Problem(1, 1, "The rule is empty: write a condition, e.g. age >= 80.")


def test_a_rule_nested_too_deeply_is_refused_not_crashed():
    problems = check("(" * 3000 + "age > 1" + ")" * 3000)
    assert len(problems) == 1 and problems[0].line == 1


def test_several_problems_are_reported_together():
    problems = check('agee > 1 && sex == "X" &&\n "nope" in tags && age + 1 > 2')
    assert [(p.line, p.column) for p in problems] == [(1, 1), (1, 20), (2, 2), (2, 20)]
    assert problems[1].message == 'sex is "M" or "F", not “X”.'
    assert problems[2].message == "No tag “nope”."


def test_rule_error_carries_the_problems():
    with pytest.raises(RuleError) as caught:
        parse('age > "eighty"')
    assert caught.value.problems == [
        Problem(1, 7, "age is a number: compare it with a number, not “eighty”.")
    ]
    assert str(caught.value) == (
        "line 1, column 7: age is a number: compare it with a number, not “eighty”."
    )


def test_messages_are_translated(settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        problem = only("age + 1 > 2")
    assert problem.message  # the lead adds the catalogue; a message comes back either way


# ---- evaluation in Python -----------------------------------------------------------------


def facts(**overrides) -> ResidentFacts:
    values = {
        "age": 81,
        "sex": "F",
        "status": "active",
        "area": "420105006001001",
        "tags": frozenset({"low-income"}),
        "household_size": 1,
        "certificates": (
            CertificateFacts("disability", 100, True, True),
            CertificateFacts("senior", None, True, False),
        ),
        "holds": frozenset({"heating"}),
    }
    return ResidentFacts(**{**values, **overrides})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age >= 80", True),
        ("age == 80", False),
        ('"低保" in tags && lives_alone', True),
        ('area.startsWith("420105001")', False),
        ('certificates.exists(c, c.type == "disability" && c.days_to_expiry <= 100)', True),
        ("certificates.exists(c, c.days_to_expiry > 1000)", False),
        ("certificates.exists(c, !(c.days_to_expiry > 1000) && c.renewal_due)", True),
        ('certificates.exists(c, c.type == "senior" && c.days_to_expiry != 5)', False),
        ('certificates.exists(c, c.type == "senior" && !(c.days_to_expiry == 5))', True),
        ('!holds("elderly-80")', True),
    ],
)
def test_evaluate(text, expected, make_programme):
    make_programme("elderly-80", "age >= 80")
    assert parse(text).evaluate(facts()) is expected


def test_the_forms_fact_reference_lists_exactly_the_facts_the_parser_knows():
    """The reference beside the rule fields (forms.FACTS) is written for people; the parser's
    schema (rules.FACTS) decides. A fact added to one and not the other fails here."""
    from doorstep.proactive import forms
    from doorstep.rules import rules

    documented = {f.name for f in forms.FACTS} - {"holds(…)"}
    assert documented == set(rules.FACTS)
