"""Explanations: which node of the grant and stop rules holds for one resident (decided by the
database), the facts behind each condition, and the outcome sentence."""

from __future__ import annotations

import datetime

import pytest

from doorstep.people.models import Resident
from doorstep.proactive.why import explain
from doorstep.rules.explain import _decide
from doorstep.rules.rules import parse

from .conftest import TODAY

D = datetime.date


@pytest.fixture
def low_income(make_tag):
    return make_tag("low-income", "低保")


@pytest.fixture
def aged_79(frozen, make_resident, low_income):
    return make_resident(name="孙桂兰", birth=D(1946, 12, 2), tags=[low_income])


@pytest.fixture
def aged_80(frozen, make_resident):
    return make_resident(name="钱志强", birth=D(1946, 12, 1))


def test_a_failed_condition_shows_the_facts(aged_79, make_programme):
    programme = make_programme("elderly-80", 'age >= 80 && "低保" in tags')
    why = explain(programme, aged_79)
    assert (why.on, why.period, why.eligible) == (TODAY, "once", False)
    age, tag = why.grant.children
    assert (age.text, age.holds, age.detail) == ("age >= 80", False, "age 79 < 80")
    assert (tag.text, tag.holds, tag.detail) == ('"低保" in tags', True, "tag 低保 present")
    assert why.grant.kind == "all" and why.grant.holds is False
    assert why.outcome == "Not eligible: aged 79, not yet 80."
    assert why.stop is None and why.opted_out is None and why.entitlement is None
    assert why.facts.age == 79


def test_eligible(aged_80, make_programme):
    programme = make_programme("elderly-80", "age >= 80 || lives_alone")
    why = explain(programme, aged_80)
    assert why.eligible is True
    assert why.outcome == "Eligible: aged 80, 80 or over."
    assert why.grant.kind == "any"
    assert [(c.holds, c.detail) for c in why.grant.children] == [
        (True, "age 80 = 80"),
        (False, "does not live alone (household of 0)"),
    ]


def test_stop_rule_met(aged_80, make_programme):
    programme = make_programme("elderly-80", "age >= 80", stop_rule='!(status == "active")')
    Resident.objects.filter(pk=aged_80.pk).update(status="deceased")
    why = explain(programme, aged_80)
    assert why.grant.holds is True
    assert why.stop.kind == "not" and why.stop.holds is True
    assert why.stop.children[0].holds is False
    assert why.stop.children[0].detail == "status is deceased"
    assert why.eligible is False
    assert why.outcome == "Not eligible any more: registered as “Deceased”, not “Living here”."


def test_opted_out(aged_80, make_programme):
    from doorstep.proactive.models import OptOut

    programme = make_programme("elderly-80", "age >= 80")
    opt_out = OptOut.objects.create(programme=programme, resident=aged_80, reason="opted_out")
    why = explain(programme, aged_80)
    assert why.grant.holds is True and why.eligible is False
    assert why.opted_out == opt_out
    assert why.outcome == "Not granted: the resident said no on 2026-12-01 (Opted out)."


def test_certificates_are_described(
    aged_80, make_programme, make_certificate_type, make_certificate
):
    disability = make_certificate_type("disability", "残疾人证", window=365)
    make_certificate(aged_80, disability, expires_on=TODAY + datetime.timedelta(days=400))
    programme = make_programme(
        "renew-check",
        'certificates.exists(c, c.type == "disability" && c.days_to_expiry <= 365)',
        stop_rule="certificates.exists(c, c.renewal_due)",
    )
    why = explain(programme, aged_80)
    assert why.grant.holds is False
    assert why.grant.detail == (
        "no 残疾人证 expiring within 365 days; on file: 残疾人证 (expires in 400 days)"
    )
    assert why.stop.holds is False
    assert why.stop.detail.startswith("no certificate due for renewal")
    later = explain(programme, aged_80, on=TODAY + datetime.timedelta(days=100))
    assert later.grant.holds is True and later.stop.holds is True
    assert later.grant.detail == (
        "残疾人证 expiring within 365 days: 残疾人证 (expires in 300 days)"
    )


def test_entitlement_of_the_period_or_the_latest(aged_80, make_programme):
    from doorstep.proactive.models import Entitlement, ProgrammeRun

    programme = make_programme("elderly-80", "age >= 80", period="monthly")
    run = ProgrammeRun.objects.create(
        programme=programme,
        rule_version=programme.versions.get(),
        period="2026-11",
        scan_date=D(2026, 11, 1),
    )

    def grant(period, day):
        return Entitlement.objects.create(
            programme=programme,
            resident=aged_80,
            period=period,
            status="granted",
            run=run,
            token=f"tok-{period}",
            granted_at=datetime.datetime(2026, 11, day, tzinfo=datetime.UTC),
        )

    november = grant("2026-11", 1)
    assert explain(programme, aged_80).entitlement == november  # the latest
    december = grant("2026-12", 2)
    assert explain(programme, aged_80).entitlement == december
    assert explain(programme, aged_80, on=D(2026, 11, 15)).entitlement == november
    why = explain(programme, aged_80.pk)  # a resident id does as well
    assert why.period == "2026-12"


def test_every_node_is_decided_in_one_query(aged_79, make_programme, django_assert_num_queries):
    make_programme("elderly-80", "age >= 80")
    rule = parse(
        'age >= 80 || ("低保" in tags && !holds("elderly-80") && household_size <= 2 '
        "&& !certificates.exists(c, c.days_to_expiry < 0))"
    )
    stop = parse('status != "active"')
    trees = [rule.tree(), stop.tree()]
    with django_assert_num_queries(1):
        decided = _decide(aged_79.pk, trees, TODAY)
    assert len(decided) == 10
    either, age, rest = trees[0], trees[0].children[0], trees[0].children[1]
    assert decided[id(either)] is True  # the second branch holds
    assert decided[id(age)] is False
    assert [decided[id(n)] for n in rest.children] == [True, True, True, True]
    assert decided[id(trees[1])] is False


def test_an_unusable_rule_raises(aged_80, make_programme):
    from doorstep.rules.rules import RuleError

    programme = make_programme("broken", '"nope" in tags')
    with pytest.raises(RuleError):
        explain(programme, aged_80)
