"""The demo desks, and desk scoping."""

from __future__ import annotations

from doorstep.desks.choices import DeskKind
from doorstep.desks.demo import build_demo_desks
from doorstep.desks.models import Desk, DeskSession, Slot


def test_demo_desks_are_idempotent(frozen, personas, services):
    fixed, mobile = build_demo_desks()
    counts = (Desk.objects.count(), DeskSession.objects.count(), Slot.objects.count())
    build_demo_desks()
    assert (Desk.objects.count(), DeskSession.objects.count(), Slot.objects.count()) == counts
    assert fixed.kind == DeskKind.FIXED and fixed.area == personas.compound_a
    assert mobile.kind == DeskKind.MOBILE and 2 <= mobile.route.count() <= 3
    assert DeskSession.objects.filter(desk=fixed).count() == 12  # Mon, Wed, Fri x2 over 2 weeks
    assert DeskSession.objects.filter(desk=mobile).count() == 6
    stops = set(mobile.route.values_list("code", flat=True))
    assert set(DeskSession.objects.filter(desk=mobile).values_list("area_code", flat=True)) == (
        stops
    )
    assert fixed.services.count() == 3  # every active service, up to 6


def test_desks_visible_to(frozen, personas, make_desk):
    desk_a = make_desk()
    make_desk(area=personas.compound_b, name="B 的服务台")
    assert list(Desk.objects.visible_to(personas.clerk_a)) == [desk_a]
    assert not Desk.objects.visible_to(personas.reviewer).exists()
    assert not Desk.objects.visible_to(personas.outsider).exists()
    assert Desk.objects.visible_to(personas.admin).count() == 2
