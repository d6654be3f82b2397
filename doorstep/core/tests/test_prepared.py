"""Prepared queries give what the queryset gives, for new values, without recompiling."""

from __future__ import annotations

import datetime

import pytest

from doorstep.core.prepared import Prepared, int_marker, str_marker


@pytest.fixture
def certified(make_resident):
    from doorstep.people.models import Certificate, CertificateType

    resident = make_resident("张景林")
    other = make_resident("李四")
    types = list(CertificateType.objects.order_by("pk"))
    for n, kind in enumerate(types):
        Certificate.objects.create(
            resident=resident,
            type=kind,
            number=f"N-{n}",
            issued_on=datetime.date(2020, 1, 1),
            expires_on=datetime.date(2030, 1, 1),
        )
    return resident, other, types


def by_resident(variant, resident_id, *type_ids):
    from doorstep.people.models import Certificate

    return (
        Certificate.objects.filter(resident_id=resident_id, type_id__in=type_ids)
        .select_related("type", "resident")
        .order_by("type_id")
    )


def test_model_rows_with_related_objects_and_converted_values(certified, django_assert_num_queries):
    resident, other, types = certified
    prepared = Prepared(by_resident, (int_marker(), int_marker()))
    expected = list(by_resident(1, resident.pk, types[0].pk))
    got = prepared.run(resident.pk, types[0].pk, variant=1)
    assert got == expected
    assert got[0].expires_on == datetime.date(2030, 1, 1)  # a date, not SQLite's text
    with django_assert_num_queries(0):
        assert got[0].type.code == types[0].code  # select_related filled in
        assert got[0].resident.name == "张景林"
    assert prepared.run(other.pk, types[0].pk, variant=1) == []


def test_a_variant_is_compiled_on_its_own(certified):
    resident, _other, types = certified

    def ordered(direction, rid, a, b):
        return by_resident(None, rid, a, b).order_by(f"{direction}type_id")

    prepared = Prepared(ordered, (int_marker(), int_marker(), int_marker()))
    ids = (resident.pk, types[0].pk, types[1].pk)
    assert [c.type_id for c in prepared.run(*ids, variant="")] == [types[0].pk, types[1].pk]
    assert [c.type_id for c in prepared.run(*ids, variant="-")] == [types[1].pk, types[0].pk]


def test_values_lists_and_deferred_fields(make_resident, django_assert_num_queries):
    from doorstep.people.models import Resident

    resident = make_resident("王五")
    names = Prepared(
        lambda v, pk: Resident.objects.filter(pk=pk).values_list("name", flat=True),
        (int_marker(),),
    )
    assert names.run(resident.pk) == ["王五"]
    pairs = Prepared(
        lambda v, pk: Resident.objects.filter(pk=pk).values_list("pk", "area_code"),
        (int_marker(),),
    )
    assert pairs.run(resident.pk) == [(resident.pk, resident.area_code)]
    light = Prepared(lambda v, pk: Resident.objects.filter(pk=pk).only("name"), (int_marker(),))
    (got,) = light.run(resident.pk)
    with django_assert_num_queries(0):
        assert got.name == "王五"
    with django_assert_num_queries(1):
        assert got.area_code == resident.area_code  # deferred, loaded on demand as usual


def test_string_values_and_a_query_that_can_match_nothing(make_resident):
    from doorstep.people.models import Resident

    resident = make_resident("赵六")
    by_name = Prepared(lambda v, name: Resident.objects.filter(name=name), (str_marker(),))
    assert by_name.run("赵六") == [resident]
    assert by_name.run("nobody") == []
    nothing = Prepared(lambda v, pk: Resident.objects.filter(pk__in=[]), (int_marker(),))
    assert nothing.run(resident.pk) == []


def test_a_value_the_orm_transforms_is_refused(make_resident):
    from doorstep.people.models import Resident

    contains = Prepared(lambda v, s: Resident.objects.filter(name__contains=s), (str_marker(),))
    with pytest.raises(ValueError, match="whole parameter"):
        contains.run("张")


def test_the_number_of_values_is_checked():
    prepared = Prepared(lambda v, a: None, (int_marker(),))
    with pytest.raises(TypeError):
        prepared.run(1, 2)


def test_ids_of_32_bit_columns_work_on_every_database(django_user_model):
    """auth_user.id is a 32-bit integer on PostgreSQL: a marker out of its range would make
    Django compile the lookup to "nothing"."""
    user = django_user_model.objects.create_user("someone", password="pw")
    by_pk = Prepared(lambda v, pk: django_user_model.objects.filter(pk=pk), (int_marker(),))
    assert by_pk.run(user.pk) == [user]
