"""load_facts: every fact of a resident for a scan date, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest

from doorstep.people.models import Resident
from doorstep.rules.facts import CertificateFacts, age_on, iter_facts, load_facts

from .conftest import TODAY

D = datetime.date
DAY = datetime.timedelta(days=1)


@pytest.fixture
def family(
    frozen, make_resident, make_tag, make_household, make_certificate_type, make_certificate
):
    """Grandmother (81, low income, two certificates), her son (moved away), his daughter; a
    neighbour living alone; a man with no household."""
    low_income, veteran = make_tag("low-income"), make_tag("veteran")
    disability = make_certificate_type("disability", "残疾人证", window=365)
    senior = make_certificate_type("senior", "老年人优待证")
    grandmother = make_resident(name="王秀英", birth=D(1945, 6, 1), tags=[low_income])
    son = make_resident(name="李建国", birth=D(1970, 2, 28))
    daughter = make_resident(name="李晓", birth=D(2000, 2, 29), tags=[low_income, veteran])
    neighbour = make_resident(name="赵大爷", birth=D(1946, 12, 1))
    loner = make_resident(name="周先生", birth=D(1980, 1, 1))
    Resident.objects.filter(pk=son.pk).update(status="moved_out")
    make_household(grandmother, son, daughter)
    make_household(neighbour)
    make_certificate(grandmother, disability, expires_on=TODAY + 200 * DAY)
    make_certificate(grandmother, senior)
    make_certificate(neighbour, disability, expires_on=TODAY - DAY)
    return grandmother, son, daughter, neighbour, loner


def test_facts_of_one_resident(family, personas):
    grandmother, son, daughter, neighbour, loner = family
    facts = load_facts(Resident.objects.all(), TODAY)
    g = facts[grandmother.pk]
    assert (g.age, g.sex, g.status, g.area) == (81, g.sex, "active", personas.compound_a.code)
    assert g.sex in ("M", "F")
    assert g.tags == frozenset({"low-income"})
    assert g.household_size == 2  # the son moved away
    assert not g.lives_alone
    disability, senior = g.certificates
    assert (disability.type, disability.days_to_expiry) == ("disability", 200)
    assert disability.valid and disability.renewal_due
    assert disability.type_name == "残疾人证"
    assert (senior.days_to_expiry, senior.valid, senior.renewal_due) == (None, True, False)
    assert facts[son.pk].status == "moved_out" and facts[son.pk].household_size == 2
    assert facts[daughter.pk].tags == frozenset({"low-income", "veteran"})
    assert facts[daughter.pk].age == 26
    n = facts[neighbour.pk]
    assert n.lives_alone and n.household_size == 1 and n.age == 80
    assert n.certificates == (
        CertificateFacts(
            "disability", -1, False, False, n.certificates[0].id, TODAY - DAY, "残疾人证"
        ),
    )
    assert facts[loner.pk].household_size == 0 and facts[loner.pk].certificates == ()
    assert facts[loner.pk].holds == frozenset()


def test_ids_or_a_queryset(family):
    ids = [r.pk for r in family]
    by_query = load_facts(Resident.objects.filter(pk__in=ids[:3]), TODAY)
    by_ids = load_facts(reversed(ids[:3]), TODAY)
    assert by_query == by_ids
    assert list(by_query) == sorted(ids[:3])
    assert [pk for pk, _ in iter_facts(ids, TODAY, chunk_size=2)] == sorted(ids)


@pytest.mark.parametrize("spread", [1, 16])
def test_only_the_residents_asked_for(family, spread, monkeypatch):
    from doorstep.rules import facts as module

    monkeypatch.setattr(module, "SPREAD", spread)  # 1: lists of ids; 16: ranges
    everyone = load_facts(Resident.objects.all(), TODAY)
    ids = sorted(everyone)
    for wanted in ([ids[0], ids[2]], [ids[0], ids[4]], [ids[1]], ids[1:]):
        # dense (read as an id range, the rest skipped) or sparse (an id list): the same facts
        assert load_facts(wanted, TODAY) == {pk: everyone[pk] for pk in wanted}
        chosen = Resident.objects.filter(pk__in=wanted)
        assert load_facts(chosen, TODAY) == {pk: everyone[pk] for pk in wanted}


def test_a_fixed_number_of_queries_per_chunk(
    family, make_resident, make_programme, django_assert_num_queries, django_assert_max_num_queries
):
    # 3 lookups (tags, certificate types, programmes), the residents, then per chunk: tags,
    # certificates, holdings, household sizes.
    make_programme("elderly-80", "age >= 80")
    with django_assert_num_queries(3 + 1 + 4):
        load_facts(Resident.objects.all(), TODAY)
    for i in range(10):
        make_resident(name=f"新居民{i}", birth=D(1950, 1, 1 + i))
    with django_assert_num_queries(3 + 1 + 4):
        load_facts(Resident.objects.all(), TODAY)
    with django_assert_max_num_queries(3 + 1 + 4 * 3):  # household sizes only where needed
        load_facts(Resident.objects.all(), TODAY, chunk_size=6)


def test_holds_counts_the_current_and_previous_period(family, make_programme):
    from doorstep.proactive.models import Entitlement, ProgrammeRun

    grandmother, son, daughter, neighbour, _loner = family
    monthly = make_programme("elderly-80", "age >= 80", period="monthly")
    yearly = make_programme("heating", "age >= 60", period="yearly")
    run = ProgrammeRun.objects.create(
        programme=monthly, rule_version=monthly.versions.get(), period="2026-12", scan_date=TODAY
    )
    rows = [
        (monthly, grandmother, "2026-11", "granted"),  # previous month: holds
        (monthly, son, "2026-10", "granted"),  # two months ago: no
        (monthly, daughter, "2026-12", "offered"),  # not accepted: no
        (yearly, daughter, "2026", "accepted"),
        (monthly, neighbour, "2026-12", "stopped"),
    ]
    for i, (programme, resident, period, status) in enumerate(rows):
        Entitlement.objects.create(
            programme=programme,
            resident=resident,
            period=period,
            status=status,
            run=run,
            token=f"t{i}",
            granted_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        )
    facts = load_facts([r.pk for r in family], TODAY)
    assert facts[grandmother.pk].holds == {"elderly-80"}
    assert facts[son.pk].holds == frozenset()
    assert facts[daughter.pk].holds == {"heating"}
    assert facts[neighbour.pk].holds == frozenset()
    later = load_facts([grandmother.pk, daughter.pk], D(2027, 1, 5))
    assert later[grandmother.pk].holds == frozenset()
    assert later[daughter.pk].holds == {"heating"}  # last year's still counts


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (D(1944, 2, 29), D(2026, 2, 28), 81),
        (D(1944, 2, 29), D(2026, 3, 1), 82),
        (D(1944, 2, 29), D(2028, 2, 29), 84),
        (D(1946, 12, 1), D(2026, 12, 1), 80),
        (D(1946, 12, 2), D(2026, 12, 1), 79),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age
