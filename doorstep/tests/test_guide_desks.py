"""A guide lists the desks that offer its matter (address, hours, next open day, phone, a book
button to the desk's page), shows what the PDF shows (the legal time limit, the fee basis), and
promises "desk in your compound" only where a desk offers the matter."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from doorstep.catalogue.tests.conftest import catalogue, dibao  # noqa: F401  (fixtures)
from doorstep.desks.tests.conftest import (  # noqa: F401  (fixtures)
    TOMORROW,
    frozen,
    make_desk,
    open_session,
    services,
)

COMPOUND_DESK = "Desk in your compound"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _guide(client, code: str):
    response = client.get(reverse("catalogue-guide", args=[code]))
    assert response.status_code == 200
    return response


def test_guide_without_desks_does_not_promise_a_compound_desk(client, dibao, places):  # noqa: F811
    response = _guide(client, "mz-001")
    assert response.context["offers"] == []
    body = response.content.decode()
    assert COMPOUND_DESK not in body and "Community service centre" in body
    assert 'id="where-to-go"' not in body


def test_guide_lists_the_desks_offering_the_matter(
    client, frozen, personas, dibao, make_desk, open_session  # noqa: F811
):  # fmt: skip
    from doorstep.desks.choices import DeskKind
    from doorstep.desks.models import DeskSchedule
    from doorstep.places.models import Area

    Area.objects.filter(pk=personas.compound_a.pk).update(address="汉阳区七里庙路12号")
    desk = make_desk()
    desk.services.add(dibao)
    DeskSchedule.objects.create(
        desk=desk, weekday=1, start=datetime.time(9), end=datetime.time(11, 30),
        valid_from=datetime.date(2026, 1, 1),
    )  # fmt: skip
    open_session(desk)
    make_desk(area=personas.compound_b, name="不办低保的服务台")  # offers other matters only
    gone = make_desk(area=personas.compound_b, name="停用的服务台", is_active=False)
    gone.services.add(dibao)
    mobile = make_desk(area=personas.area_b, name="流动办公桌", kind=DeskKind.MOBILE)
    mobile.services.add(dibao)
    mobile_stop(mobile, personas.compound_b)

    response = _guide(client, "mz-001")
    offers = response.context["offers"]
    assert [(o.name, o.book_url) for o in offers] == [
        ("二印小区服务台", reverse("desks-compound", args=[personas.compound_a.code])),
        ("流动办公桌", reverse("desks-compound", args=[personas.compound_b.code])),
    ]
    assert offers[0].address == "汉阳区七里庙路12号"
    assert offers[0].hours == ["Tuesday 09:00–11:30"]
    assert offers[0].next_date == TOMORROW
    body = response.content.decode()
    assert COMPOUND_DESK in body and 'id="where-to-go"' in body
    assert "不办低保的服务台" not in body and "停用的服务台" not in body
    assert f'href="{offers[0].book_url}"' in body


def mobile_stop(mobile, compound) -> None:
    """The mobile desk opens at ``compound`` tomorrow (a one-off opening)."""
    from doorstep.desks.actions import do_generate_sessions
    from doorstep.desks.choices import ExceptionKind
    from doorstep.desks.models import DeskException

    DeskException.objects.create(
        desk=mobile, date=TOMORROW, kind=ExceptionKind.OPEN, compound=compound,
        start=datetime.time(14), end=datetime.time(16),
    )  # fmt: skip
    do_generate_sessions(mobile, TOMORROW, TOMORROW)


def test_guide_shows_the_legal_limit_and_the_fee_basis(client, catalogue):  # noqa: F811
    body = _guide(client, "ga-006").content.decode()
    assert "legal limit 60 working days" in body
    assert "示例：按当地居民身份证工本费标准" in body


def test_guide_of_an_unpublished_matter_is_404(client, dibao):  # noqa: F811
    dibao.is_active = False
    dibao.save(update_fields=["is_active"])
    assert client.get(reverse("catalogue-guide", args=["mz-001"])).status_code == 404


def test_guide_queries_do_not_grow_with_desks(
    client, frozen, personas, dibao, make_desk, open_session, django_assert_max_num_queries  # noqa: F811
):  # fmt: skip
    url = reverse("catalogue-guide", args=["mz-001"])
    desk = make_desk()
    desk.services.add(dibao)
    open_session(desk)
    client.get(url)  # warm the per-process caches (content types, sessions)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for name in ("晴川一号服务台", "晴川二号服务台"):
        more = make_desk(area=personas.compound_b, name=name)
        more.services.add(dibao)
        open_session(more)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(url).context["offers"]) == 3
