"""Role capabilities: the one permission model. What each persona may do, as the header, the
pages and the API ask it (``can`` and ``staff_profile``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from doorstep.staff.roles import (
    MANAGE_PROGRAMMES,
    RUN_PROGRAMMES,
    VIEW_PROGRAMMES,
    VIEW_RESIDENTS,
    can,
    staff_profile,
)

PROGRAMMES = (VIEW_PROGRAMMES, MANAGE_PROGRAMMES, RUN_PROGRAMMES)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {VIEW_PROGRAMMES, MANAGE_PROGRAMMES, RUN_PROGRAMMES}),
        ("administrator", {VIEW_PROGRAMMES, MANAGE_PROGRAMMES, RUN_PROGRAMMES}),
        ("district_lead", {VIEW_PROGRAMMES}),
        ("street_lead", set()),
        ("clerk_a", set()),
        ("grid_a", set()),
        ("reviewer", set()),
        ("outsider", set()),
    ],
)
def test_programme_capabilities(personas, persona, expected):
    user = getattr(personas, persona)
    assert {cap for cap in PROGRAMMES if can(user, cap)} == expected
    assert {cap for cap in PROGRAMMES if cap in staff_profile(user).capabilities} == expected


def test_the_administrator_role_sees_no_residents(personas):
    assert not can(personas.administrator, VIEW_RESIDENTS)
    assert not staff_profile(personas.administrator).can_view_residents


def test_nobody_without_an_account_may_do_anything(personas):
    personas.administrator.is_active = False
    for user in (AnonymousUser(), personas.administrator):
        assert not any(can(user, cap) for cap in PROGRAMMES)
        assert staff_profile(user).capabilities == frozenset()


def test_the_admin_site_link_follows_the_admin_sites_own_gate(personas):
    assert staff_profile(personas.admin).can_open_admin  # is_staff
    assert not staff_profile(personas.administrator).can_open_admin
    assert not staff_profile(AnonymousUser()).can_open_admin
