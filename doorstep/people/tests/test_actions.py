"""Registry write actions: create, update, reveal, certificates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from doorstep.core import crypto, idnumber
from doorstep.people.actions import (
    do_create_resident,
    do_delete_certificate,
    do_reveal,
    do_save_certificate,
    do_update_resident,
)
from doorstep.people.choices import AccessAction, ResidentStatus
from doorstep.people.models import AccessLog, Certificate, CertificateType, Resident, Tag

NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def snapshot() -> tuple[int, int, int]:
    return (Resident.objects.count(), AccessLog.objects.count(), Certificate.objects.count())


# ---------------------------------------------------------------------------------------------
# Create


def test_create(personas):
    tags = list(Tag.objects.filter(name__in=["低保", "独居老人"]))
    r = do_create_resident(
        actor=personas.clerk_a,
        name=" 李秀英 ",
        id_number=NUMBER.lower(),
        area=personas.compound_a,
        mobile="+86 139-1234-5678",
        note="行动不便",
        tags=tags,
    )
    r = Resident.objects.get(pk=r.pk)
    assert (r.name, r.name_pinyin, r.name_initials) == ("李秀英", "lixiuying", "lxy")
    assert (r.birth_date, r.sex) == (datetime.date(1949, 12, 31), "F")
    assert (r.id_masked, r.id_tail_hash) == ("110105************", crypto.tail_hash("002X"))
    assert r.id_hash == crypto.keyed_hash(NUMBER) and r.id_number() == NUMBER
    assert (r.phone, r.phone_tail, r.area_code) == ("13912345678", "5678", "420105006001001")
    assert set(r.tags.all()) == set(tags)
    log = AccessLog.objects.get()
    assert (log.actor, log.resident, log.action) == (personas.clerk_a, r, AccessAction.CREATE)


@pytest.mark.parametrize("again", [NUMBER, NUMBER.lower(), " 110105 19491231 002X "])
def test_create_with_an_id_on_file_is_refused_and_writes_nothing(personas, make_resident, again):
    make_resident("李秀英", id_number=NUMBER)
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        do_create_resident(
            actor=personas.clerk_a, name="李秀", id_number=again, area=personas.compound_a
        )
    assert info.value.message_dict == {
        "id_number": ["A resident with this ID number is already registered."]
    }
    assert snapshot() == before


def test_create_with_an_invalid_id(personas):
    with pytest.raises(ValidationError) as info:
        do_create_resident(
            actor=personas.clerk_a, name="李", id_number=NUMBER[:-1] + "1", area=personas.area_a
        )
    assert info.value.code == "id_check"
    assert snapshot() == (0, 0, 0)


def test_create_with_an_invalid_phone(personas):
    with pytest.raises(ValidationError):
        do_create_resident(
            actor=personas.clerk_a,
            name="李",
            id_number=NUMBER,
            area=personas.area_a,
            mobile="027-84561234",
        )
    assert snapshot() == (0, 0, 0)


@pytest.mark.parametrize(
    ("persona", "area"),
    [
        ("clerk_a", "compound_b"),
        ("clerk_b", "compound_a"),
        ("grid_a", "compound_a"),  # may look, not write
        ("street_lead", "compound_a"),
        ("district_lead", "compound_a"),
        ("reviewer", "compound_a"),
        ("outsider", "compound_a"),
    ],
)
def test_create_outside_the_actors_areas(personas, persona, area):
    with pytest.raises(PermissionDenied):
        do_create_resident(
            actor=getattr(personas, persona),
            name="李秀英",
            id_number=NUMBER,
            area=getattr(personas, area),
        )
    assert snapshot() == (0, 0, 0)


# ---------------------------------------------------------------------------------------------
# Update


def test_update(personas, make_resident):
    r = make_resident("张景林", mobile="13812345678", tags=list(Tag.objects.filter(name="低保")))
    number, created_at = r.id_number(), r.created_at
    compound_2 = personas.area_a.children.exclude(pk=personas.compound_a.pk).first()
    do_update_resident(
        r,
        actor=personas.clerk_a,
        name="张景琳",
        area=compound_2,
        mobile="",
        note="已搬迁",
        tags=list(Tag.objects.filter(name="残疾人")),
        status=ResidentStatus.MOVED_OUT,
    )
    r = Resident.objects.get(pk=r.pk)
    assert (r.name, r.name_initials, r.area_code, r.phone, r.phone_tail, r.note) == (
        "张景琳",
        "zjl",
        compound_2.code,
        "",
        "",
        "已搬迁",
    )
    assert r.status == ResidentStatus.MOVED_OUT
    assert [t.name for t in r.tags.all()] == ["残疾人"]
    assert r.id_number() == number and r.created_at == created_at
    assert AccessLog.objects.filter(resident=r, action=AccessAction.UPDATE).count() == 1


@pytest.mark.parametrize(
    ("persona", "resident_in", "move_to"),
    [
        ("clerk_b", "compound_a", "compound_a"),  # not their resident
        ("clerk_a", "compound_a", "compound_b"),  # cannot move them out of their areas
        ("clerk_a", "compound_b", "compound_a"),  # nor take someone in
        ("street_lead", "compound_a", "compound_a"),
        ("outsider", "compound_a", "compound_a"),
    ],
)
def test_update_outside_the_actors_areas(personas, make_resident, persona, resident_in, move_to):
    r = make_resident("张景林", area=getattr(personas, resident_in), mobile="13812345678")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        do_update_resident(
            r, actor=getattr(personas, persona), name="冒名", area=getattr(personas, move_to)
        )
    assert snapshot() == before
    assert Resident.objects.get(pk=r.pk).name == "张景林"


# ---------------------------------------------------------------------------------------------
# Reveal


@pytest.mark.parametrize("persona", ["grid_a", "street_lead", "reviewer", "outsider"])
def test_reveal_without_permission(personas, make_resident, persona):
    r = make_resident("张景林", mobile="13812345678")
    before = AccessLog.objects.count()
    for what in ("id", "phone"):
        with pytest.raises(PermissionDenied):
            do_reveal(r, actor=getattr(personas, persona), what=what, reason="核对")
    assert AccessLog.objects.count() == before


def test_reveal_outside_the_actors_areas(personas, make_resident):
    # Regression: the permission alone let clerk B reveal clerk A's residents' numbers.
    r = make_resident("张景林", mobile="13812345678")
    assert personas.clerk_b.has_perm("people.reveal_id_number")
    before = AccessLog.objects.count()
    with pytest.raises(PermissionDenied):
        do_reveal(r, actor=personas.clerk_b, what="id", reason="核对")
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("persona", ["clerk_a", "district_lead", "admin"])
def test_reveal_with_permission_is_logged(personas, make_resident, persona):
    actor = getattr(personas, persona)
    number = idnumber.make("420105", datetime.date(1950, 3, 7), 777)
    r = make_resident("张景林", id_number=number, mobile="13812345678")
    assert do_reveal(r, actor=actor, what="id", reason="办理低保 核对身份") == number
    assert do_reveal(r, actor=actor, what="phone", reason="  电话回访 ") == "13812345678"
    logs = AccessLog.objects.filter(actor=actor, resident=r, action__startswith="reveal")
    # Who, whom, why and when.
    assert list(logs.order_by("id").values_list("action", "detail", "at")) == [
        (AccessAction.REVEAL_ID, "办理低保 核对身份", logs.order_by("id")[0].at),
        (AccessAction.REVEAL_PHONE, "电话回访", logs.order_by("id")[1].at),
    ]
    assert all(log.at is not None for log in logs)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 101])
def test_reveal_without_a_reason_is_refused_and_not_logged(personas, make_resident, reason):
    r = make_resident("张景林", mobile="13812345678")
    before = AccessLog.objects.count()
    for what in ("id", "phone"):
        with pytest.raises(ValidationError) as caught:
            do_reveal(r, actor=personas.clerk_a, what=what, reason=reason)
        assert "reason" in caught.value.error_dict
    assert AccessLog.objects.count() == before


# ---------------------------------------------------------------------------------------------
# Certificates


@pytest.fixture
def disability(places):
    return CertificateType.objects.get(code="disability")


def save(resident, actor, ctype, number="CJ-001", issued=(2020, 1, 1), expires=(2030, 1, 1), **kw):
    return do_save_certificate(
        resident,
        actor=actor,
        type=ctype,
        number=number,
        issued_on=datetime.date(*issued),
        expires_on=datetime.date(*expires) if expires else None,
        **kw,
    )


def test_save_certificate(personas, make_resident, disability):
    r = make_resident()
    c = save(r, personas.clerk_a, disability, number=" CJ-001 ")
    assert (c.resident, c.number, c.expires_on) == (r, "CJ-001", datetime.date(2030, 1, 1))
    assert AccessLog.objects.filter(resident=r, action=AccessAction.UPDATE).exists()
    # Saving it again with its own number is not a duplicate.
    c = save(r, personas.clerk_a, disability, number="CJ-001", expires=None, certificate=c)
    assert Certificate.objects.get().expires_on is None


@pytest.mark.parametrize("expires", [(2019, 12, 31), (2020, 1, 1)])
def test_certificate_expiring_before_it_is_issued(personas, make_resident, disability, expires):
    r = make_resident()
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        save(r, personas.clerk_a, disability, expires=expires)
    assert info.value.message_dict == {
        "expires_on": ["The expiry date must be after the issue date."]
    }
    assert snapshot() == before


def test_duplicate_certificate_number(personas, make_resident, disability):
    first, second = make_resident("张景林"), make_resident("李秀英")
    save(first, personas.clerk_a, disability, number="CJ-001")
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        save(second, personas.clerk_a, disability, number=" CJ-001")
    assert list(info.value.message_dict) == ["number"]
    assert snapshot() == before
    # The same number on another type of card is fine.
    senior = CertificateType.objects.get(code="senior")
    save(second, personas.clerk_a, senior, number="CJ-001", expires=None)


def test_certificate_outside_the_actors_areas(personas, make_resident, disability):
    r = make_resident()
    with pytest.raises(PermissionDenied):
        save(r, personas.clerk_b, disability)
    c = save(r, personas.clerk_a, disability)
    with pytest.raises(PermissionDenied):
        do_delete_certificate(c, actor=personas.clerk_b)
    do_delete_certificate(c, actor=personas.clerk_a)
    assert not Certificate.objects.exists()
    assert AccessLog.objects.filter(detail__startswith="Removed certificate CJ-001").exists()
