"""Rules in SQL against rules in Python against CEL itself.

For a varied population and a list of rules, on several scan dates (including Feb 28 / Mar 1 of
a common year and Feb 29 of a leap year):

- ``Resident.objects.filter(rule.q(on))`` finds exactly the residents ``rule.evaluate`` accepts;
- ``rule.evaluate`` agrees with cel-python's own evaluator, given the same facts (the reference
  for what the CEL means; a certificate without expiry is a value that every comparison fails).

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://…).
"""

from __future__ import annotations

import datetime
import itertools

import celpy
import pytest
from celpy import celtypes
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.people.models import Resident
from doorstep.rules.facts import age_on, load_facts
from doorstep.rules.rules import OPERATORS, parse
from doorstep.rules.rules_sql import born_by

from .conftest import TODAY

D = datetime.date
SCAN_DATES = [TODAY, D(2027, 2, 28), D(2027, 3, 1), D(2028, 2, 29), D(2028, 2, 28)]
BIRTHS = [
    D(1946, 12, 1),  # 80 on the scan date
    D(1946, 12, 2),  # 80 tomorrow
    D(1946, 11, 30),
    D(1944, 2, 29),
    D(1948, 2, 29),
    D(1947, 2, 28),
    D(1947, 3, 1),
    D(1947, 2, 27),
    D(1926, 12, 1),
    D(1960, 5, 5),
    D(1990, 1, 1),
    D(2020, 6, 1),
]

RULES = [
    "age >= 80",
    "age > 80",
    "age < 80",
    "age <= 80",
    "age == 80",
    "age != 80",
    "80 <= age",
    "80 == age",
    "100 > age",
    "age in [78, 80, 82]",
    'sex == "F"',
    'sex != "M" && age >= 60',
    'status == "active"',
    'status in ["moved_out", "deceased"]',
    '"低保" in tags',
    '"low-income" in tags && !("living-alone" in tags)',
    '!("veteran" in tags)',
    'area.startsWith("420105006")',
    'area == "420105001001001"',
    '!area.startsWith("420105006001") || area in ["420105001001001"]',
    "household_size == 0",
    "household_size >= 2",
    "household_size != 1",
    "household_size < 3",
    "2 >= household_size",
    "household_size in [0, 3]",
    "lives_alone",
    "!lives_alone",
    "lives_alone == false",
    'certificates.exists(c, c.type == "disability")',
    'certificates.exists(c, c.type == "残疾人证" && c.days_to_expiry <= 365)',
    "!certificates.exists(c, c.days_to_expiry <= 100)",
    "certificates.exists(c, !(c.days_to_expiry > 100))",
    "certificates.exists(c, c.days_to_expiry != 100)",
    "certificates.exists(c, !(c.days_to_expiry != 100))",
    "certificates.exists(c, 30 >= c.days_to_expiry && c.days_to_expiry >= 0)",
    "certificates.exists(c, c.days_to_expiry == 0 || c.days_to_expiry in [30, 365])",
    "certificates.exists(c, c.valid)",
    "certificates.exists(c, !c.valid)",
    "!certificates.exists(c, c.valid == false)",
    "certificates.exists(c, c.renewal_due)",
    'certificates.exists(c, c.renewal_due == false && c.type in ["disability", "senior"])',
    'certificates.exists(c, c.type != "disability")',
    'holds("elderly-80")',
    '!holds("elderly-80") && age >= 80',
    'holds("heating") || holds("once-gift")',
    '(age >= 80 || "低保" in tags) && status == "active" && !holds("elderly-80")',
    '(lives_alone || household_size <= 2) && "低保" in tags',
]


@pytest.fixture
def population(
    frozen,
    personas,
    make_resident,
    make_tag,
    make_certificate_type,
    make_certificate,
    make_household,
    make_programme,
):
    """36 residents: ages around 80 (Feb 29 births too), tags, statuses, two areas, households
    of 3 (one moved away), 1 and 2 (one deceased), certificates of every kind of expiry, and
    entitlements of current, previous, older periods and non-holding statuses."""
    from doorstep.proactive.models import Entitlement, ProgrammeRun

    # The demo's reference data, with windows of this test's own.
    tags = [make_tag("low-income"), make_tag("living-alone"), make_tag("veteran")]
    disab = make_certificate_type("disability", "残疾人证", window=365)
    elder = make_certificate_type("senior", "老年人优待证", window=30)
    resid = make_certificate_type("residence-permit", "居住证")
    day = datetime.timedelta(days=1)
    certificate_sets = [
        [],
        [(disab, None)],
        [(disab, TODAY + 100 * day)],
        [(disab, TODAY + 365 * day)],
        [(disab, TODAY + 366 * day)],
        [(disab, TODAY - day)],
        [(disab, TODAY), (resid, None)],
        [(elder, TODAY + 30 * day)],
        [(elder, TODAY + 31 * day), (resid, TODAY + 10 * day)],
        [(resid, TODAY + 10 * day), (disab, TODAY + 400 * day)],
    ]
    tag_sets = [[], [tags[0]], [tags[0], tags[1]], [tags[2]]]
    statuses = ["active", "active", "active", "active", "moved_out", "deceased"]
    residents = []
    for i in range(36):
        resident = make_resident(
            name=f"居民{i}",
            birth=BIRTHS[i % len(BIRTHS)],
            area=personas.compound_a if i % 3 else personas.compound_b,
            tags=tag_sets[i % 4],
        )
        for cert_type, expires_on in certificate_sets[i % 10]:
            make_certificate(resident, cert_type, expires_on=expires_on)
        residents.append(resident)
    for i, resident in enumerate(residents):
        if statuses[i % 6] != "active":
            Resident.objects.filter(pk=resident.pk).update(status=statuses[i % 6])
    make_household(*residents[6:9])
    make_household(residents[4])  # moved out: a household of no active resident
    make_household(residents[12], residents[13])
    make_household(residents[14], residents[11])  # 11 is deceased
    make_household(residents[20])
    # elderly-80 monthly, heating yearly, once-gift once.
    monthly = make_programme("elderly-80", "age >= 80", period="monthly")
    yearly = make_programme("heating", "age >= 60", period="yearly")
    once = make_programme("once-gift", "age >= 90")
    tokens = itertools.count()
    held = [
        (monthly, 0, "2026-12", "granted"),
        (monthly, 1, "2026-11", "accepted"),
        (monthly, 2, "2026-10", "granted"),
        (monthly, 3, "2026-12", "stopped"),
        (monthly, 5, "2026-12", "offered"),
        (monthly, 6, "2027-02", "granted"),
        (monthly, 7, "2027-01", "granted"),
        (monthly, 8, "2028-02", "accepted"),
        (yearly, 9, "2026", "granted"),
        (yearly, 10, "2025", "granted"),
        (yearly, 11, "2027", "case_opened"),
        (once, 12, "once", "granted"),
        (once, 13, "once", "declined"),
    ]
    for programme, i, period, status in held:
        run = ProgrammeRun.objects.get_or_create(
            programme=programme,
            period=period,
            defaults={"rule_version": programme.versions.get(), "scan_date": TODAY},
        )[0]
        Entitlement.objects.create(
            programme=programme,
            resident=residents[i],
            period=period,
            status=status,
            run=run,
            token=f"t{next(tokens)}",
            granted_at=frozen and datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        )
    return residents


# ---- the reference: cel-python's evaluator over the same facts ----------------------------


class _NoExpiry(celtypes.IntType):
    """days_to_expiry of a certificate that never expires: every comparison is false. (A
    subclass of IntType, so Python asks it first also when it is on the right.)"""

    def _false(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _false
    __hash__ = celtypes.IntType.__hash__


def _activation(facts, tag_names):
    def certificate(c):
        days = _NoExpiry(0) if c.days_to_expiry is None else celtypes.IntType(c.days_to_expiry)
        return celtypes.MapType(
            {
                celtypes.StringType("type"): celtypes.StringType(c.type),
                celtypes.StringType("days_to_expiry"): days,
                celtypes.StringType("valid"): celtypes.BoolType(c.valid),
                celtypes.StringType("renewal_due"): celtypes.BoolType(c.renewal_due),
            }
        )

    tags = [*facts.tags, *(tag_names[code] for code in facts.tags)]
    return {
        "age": celtypes.IntType(facts.age),
        "sex": celtypes.StringType(facts.sex),
        "status": celtypes.StringType(facts.status),
        "area": celtypes.StringType(facts.area),
        "tags": celtypes.ListType([celtypes.StringType(t) for t in tags]),
        "household_size": celtypes.IntType(facts.household_size),
        "lives_alone": celtypes.BoolType(facts.lives_alone),
        "certificates": celtypes.ListType([certificate(c) for c in facts.certificates]),
    }


def celpy_decides(text, all_facts, tag_names):
    """{resident id: CEL's answer}. Certificate types named by name are given by code, which is
    what parse() resolves them to; tags are given by both (the activation lists both)."""
    from doorstep.people.models import CertificateType

    for code, name in CertificateType.objects.values_list("code", "name"):
        text = text.replace(f'"{name}"', f'"{code}"')
    environment = celpy.Environment()
    current = {}

    def holds(code):
        return celtypes.BoolType(str(code) in current["facts"].holds)

    program = environment.program(environment.compile(text), functions={"holds": holds})
    decided = {}
    for pk, facts in all_facts.items():
        current["facts"] = facts
        result = program.evaluate(_activation(facts, tag_names))
        assert isinstance(result, celtypes.BoolType), (text, pk, result)
        decided[pk] = bool(result)
    return decided


# ---- the differential test ----------------------------------------------------------------


@pytest.mark.parametrize("on", SCAN_DATES, ids=str)
def test_sql_python_and_cel_agree(population, on, django_assert_max_num_queries):
    from doorstep.people.models import Tag

    tag_names = dict(Tag.objects.values_list("code", "name"))
    facts = load_facts(Resident.objects.all(), on)
    assert len(facts) == len(population)
    for text in RULES:
        rule = parse(text)
        with django_assert_max_num_queries(2):
            in_sql = set(Resident.objects.filter(rule.q(on)).values_list("pk", flat=True))
        in_python = {pk for pk, f in facts.items() if rule.evaluate(f)}
        assert in_sql == in_python, (text, on, in_sql ^ in_python)
        by_cel = celpy_decides(text, facts, tag_names)
        assert {pk for pk, yes in by_cel.items() if yes} == in_python, (text, on)


def test_rules_cover_both_outcomes(population):
    """Each rule of the differential test finds somebody and misses somebody on some date, so
    the agreement above is not the trivial one of two empty sets."""
    facts = {on: load_facts(Resident.objects.all(), on) for on in SCAN_DATES}
    for text in RULES:
        rule = parse(text)
        found = {rule.evaluate(f) for by_date in facts.values() for f in by_date.values()}
        assert found == {True, False}, text


def test_negation_of_a_comparison_keeps_certificates_without_expiry(population):
    rule = parse("certificates.exists(c, !(c.days_to_expiry <= 100))")
    from doorstep.people.models import Certificate

    lifelong = Certificate.objects.filter(expires_on__isnull=True).values("resident_id")
    never = Resident.objects.filter(pk__in=lifelong)
    assert never.exists()
    assert set(never) <= set(Resident.objects.filter(rule.q(TODAY)))
    anything = parse("certificates.exists(c, c.days_to_expiry > -100000)")
    only_never = never.exclude(certificates__expires_on__isnull=False)
    assert only_never.exists()
    assert not Resident.objects.filter(anything.q(TODAY), pk__in=only_never).exists()


def test_the_sql_has_no_date_arithmetic(population):
    rule = parse(
        "age >= 80 && certificates.exists(c, c.renewal_due && c.days_to_expiry < 30) "
        "&& household_size <= 2"
    )
    sql = str(Resident.objects.filter(rule.q(TODAY)).query).lower()
    assert "julian" not in sql and "interval" not in sql and "date(" not in sql
    assert "exists" in sql and "count(" in sql
    assert connection.vendor in ("sqlite", "postgresql")


# ---- age against birth dates --------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    birth=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    on=st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)),
    years=st.integers(min_value=-5, max_value=150),
)
def test_born_by_is_the_age_cutoff(birth, on, years):
    cutoff = born_by(on, years)
    assert (age_on(birth, on) >= years) == (cutoff is not None and birth <= cutoff)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    birth=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    on=st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)),
    years=st.integers(min_value=0, max_value=130),
    op=st.sampled_from(sorted(OPERATORS)),
)
def test_age_in_sql_is_age_in_python(make_resident, birth, on, years, op):
    resident = Resident.objects.first() or make_resident()
    Resident.objects.filter(pk=resident.pk).update(birth_date=birth)
    rule = parse(f"age {op} {years}")
    in_sql = Resident.objects.filter(rule.q(on), pk=resident.pk).exists()
    assert in_sql == OPERATORS[op](age_on(birth, on), years)


def test_born_on_feb_29_turns_older_on_mar_1_in_common_years():
    birth = D(1944, 2, 29)
    assert age_on(birth, D(2027, 2, 28)) == 82
    assert age_on(birth, D(2027, 3, 1)) == 83
    assert age_on(birth, D(2028, 2, 29)) == 84
    assert born_by(D(2028, 2, 29), 1) == D(2027, 2, 28)
