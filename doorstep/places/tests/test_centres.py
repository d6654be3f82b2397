"""Compound centres: what the admin accepts, the demo's invented layout, and finding the
compounds near a point."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from doorstep.core.geo import distance_m
from doorstep.places.choices import AreaKind
from doorstep.places.demo import build_places, compound_centre
from doorstep.places.models import Area

ERYIN = "420105006001001"  # 二印小区, compound A of the personas
QILI = "420105006001"  # 七里一村社区


def centre(area: Area) -> tuple[float, float]:
    return float(area.lat), float(area.lng)


# --- what an administrator may enter -----------------------------------------------------------


def _compound(**centre) -> Area:
    return Area(code="420105006001009", name="试验小区", kind=AreaKind.COMPOUND, **centre)


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"lat": Decimal("30.550000"), "lng": Decimal("114.250000")},
        {"lat": Decimal("-90"), "lng": Decimal("180")},
        {"lat": 90.0, "lng": -180.0},
    ],
)
def test_a_centre_is_both_coordinates_or_none(given):
    _compound(**given).clean()


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        (
            {"lat": Decimal("30.55")},
            "lng",
            "Give both the latitude and the longitude of the centre, or neither.",
        ),
        (
            {"lng": Decimal("114.25")},
            "lat",
            "Give both the latitude and the longitude of the centre, or neither.",
        ),
        (
            {"lat": Decimal("114.25"), "lng": Decimal("30.55")},
            "lat",
            "A latitude lies between -90 and 90.",
        ),
        (
            {"lat": Decimal("30.55"), "lng": Decimal("-180.000001")},
            "lng",
            "A longitude lies between -180 and 180.",
        ),
    ],
)
def test_a_half_or_off_the_globe_centre_is_refused(given, field, message):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        _compound(**given).clean()
    assert info.value.message_dict == {field: [message]}


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


def test_the_area_change_form_shows_the_centre_and_every_other_field(admin_client):
    eryin = Area.objects.get(code=ERYIN)
    response = admin_client.get(reverse("admin:places_area_change", args=[eryin.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    editable = {f.name for f in Area._meta.get_fields() if getattr(f, "editable", False)}
    assert set(form.fields) == editable - {"id"}
    assert form.initial["lat"] == eryin.lat and form.initial["lng"] == eryin.lng


def test_the_admin_saves_a_centre_and_refuses_half_of_one(admin_client):
    eryin = Area.objects.get(code=ERYIN)
    url = reverse("admin:places_area_change", args=[eryin.pk])
    data = {
        "code": eryin.code,
        "name": eryin.name,
        "kind": eryin.kind,
        "parent": eryin.parent_id,
        "address": eryin.address,
        "hours": "",
        "phone": "",
    }
    response = admin_client.post(url, data | {"lat": "30.561234", "lng": ""})
    assert response.status_code == 200
    assert "lng" in response.context["adminform"].form.errors
    eryin.refresh_from_db()
    assert centre(eryin) == centre(Area.objects.get(code=ERYIN))  # unchanged

    response = admin_client.post(url, data | {"lat": "30.561234", "lng": "114.231234"})
    assert response.status_code == 302
    eryin.refresh_from_db()
    assert (eryin.lat, eryin.lng) == (Decimal("30.561234"), Decimal("114.231234"))


@pytest.mark.parametrize("who", [None, "clerk_a", "district_lead", "outsider"])
def test_no_one_but_an_administrator_moves_a_centre(client, personas, who):
    eryin = Area.objects.get(code=ERYIN)
    before = centre(eryin)
    if who:
        client.force_login(getattr(personas, who))
    client.post(
        reverse("admin:places_area_change", args=[eryin.pk]),
        {"code": eryin.code, "name": eryin.name, "kind": eryin.kind, "lat": "0", "lng": "0"},
    )
    eryin.refresh_from_db()
    assert centre(eryin) == before


# --- the demo's invented centres ---------------------------------------------------------------


def test_every_demo_compound_has_a_centre_in_hanyang_a_few_hundred_metres_from_the_next(places):
    compounds = list(Area.objects.filter(kind=AreaKind.COMPOUND))
    assert len(compounds) == 124
    points = [centre(a) for a in compounds]
    assert len(set(points)) == len(points)
    for lat, lng in points:
        assert 30.50 < lat < 30.60 and 114.18 < lng < 114.32
        assert distance_m(lat, lng, 30.55, 114.25) < 8_000
    nearest = [min(distance_m(*p, *q) for q in points if q != p) for p in points]
    assert all(300 < metres < 400 for metres in nearest)
    # Other areas have no invented centre.
    assert not Area.objects.exclude(kind=AreaKind.COMPOUND).filter(lat__isnull=False).exists()


@pytest.mark.django_db
def test_building_again_fills_missing_centres_and_keeps_an_administrators():
    build_places()
    eryin = Area.objects.get(code=ERYIN)
    Area.objects.filter(code=ERYIN).update(lat=Decimal("30.5"), lng=Decimal("114.1"))
    Area.objects.filter(code__startswith="420105001").update(lat=None, lng=None)
    build_places()
    eryin.refresh_from_db()
    assert (eryin.lat, eryin.lng) == (Decimal("30.5"), Decimal("114.1"))
    assert not Area.objects.filter(kind=AreaKind.COMPOUND, lat__isnull=True).exists()
    first = Area.objects.get(code="420105001001001")
    assert (first.lat, first.lng) == compound_centre(1, 1, 1)


# --- compounds near a point --------------------------------------------------------------------


def test_compounds_near_a_compounds_centre_nearest_first(places):
    eryin = Area.objects.get(code=ERYIN)
    with CaptureQueriesContext(connection) as queries:
        near = Area.objects.compounds_near(*centre(eryin), within_m=500)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "BETWEEN" in sql and '"lat"' in sql and '"lng"' in sql  # the box is filtered in SQL
    assert near[0] == (eryin, 0.0)
    # Its community's other three compounds: north (~334 m), east (~335 m), diagonal (~473 m).
    assert [a.code for a, _m in near] == [ERYIN] + [f"{QILI}00{k}" for k in (3, 2, 4)]
    distances = [metres for _a, metres in near]
    assert distances == sorted(distances)
    assert 300 < distances[1] < 400 and 450 < distances[3] <= 500


def test_compounds_near_keeps_to_the_radius_not_the_box(places):
    eryin = Area.objects.get(code=ERYIN)
    lat, lng = centre(eryin)
    # The diagonal neighbour (~473 m) is in the corner of a box 2 × 340 m wide, not its circle.
    near = Area.objects.compounds_near(lat, lng, within_m=340)
    assert [a.code for a, _m in near] == [ERYIN, f"{QILI}003", f"{QILI}002"]
    assert all(metres <= 340 for _a, metres in near)


def test_compounds_near_finds_none_far_away_or_within_nothing(places):
    assert Area.objects.compounds_near(39.9042, 116.4074, 5_000) == []  # Beijing
    assert Area.objects.compounds_near(30.5, 114.0, 1_000) == []  # west of the demo
    eryin = Area.objects.get(code=ERYIN)
    assert Area.objects.compounds_near(*centre(eryin), within_m=0) == [(eryin, 0.0)]
    with pytest.raises(ValueError):
        Area.objects.compounds_near(*centre(eryin), within_m=-1)


def test_compounds_near_skips_other_kinds_and_compounds_without_a_centre(places):
    eryin = Area.objects.get(code=ERYIN)
    lat, lng = centre(eryin)
    Area.objects.filter(code=QILI).update(lat=eryin.lat, lng=eryin.lng)  # a community's centre
    Area.objects.filter(code=f"{QILI}002").update(lat=None, lng=None)
    near = Area.objects.compounds_near(lat, lng, within_m=500)
    assert [a.code for a, _m in near] == [ERYIN, f"{QILI}003", f"{QILI}004"]


def test_compounds_near_is_a_queryset_method_so_it_keeps_a_scope(places):
    eryin = Area.objects.get(code=ERYIN)
    scoped = Area.objects.filter(code__startswith=QILI).exclude(code=ERYIN)
    near = scoped.compounds_near(*centre(eryin), within_m=5_000)
    assert near and all(a.code.startswith(QILI) and a.code != ERYIN for a, _m in near)


def test_compounds_near_matches_a_scan_of_every_compound(places):
    """The box never drops a compound the exact distance would keep."""
    everything = list(Area.objects.filter(kind=AreaKind.COMPOUND))
    for lat, lng, within in [(30.55, 114.25, 1_500), (30.53, 114.21, 800), (30.58, 114.3, 3_000)]:
        expected = sorted(
            (distance_m(lat, lng, *centre(a)), a.code)
            for a in everything
            if distance_m(lat, lng, *centre(a)) <= within
        )
        found = [(m, a.code) for a, m in Area.objects.compounds_near(lat, lng, within)]
        assert found == expected and found
