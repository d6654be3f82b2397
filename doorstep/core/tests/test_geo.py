"""Coordinates from Chinese maps, checked against point pairs other libraries publish.

Sources (public test suites, each cited where its points are used):
- eviltransform: googollee/eviltransform, python/test.py, ``TESTS`` (WGS84 → GCJ-02).
- gcoord: hujiulong/gcoord, test/unit/crs/{WGS84,GCJ02,BD09}.spec.ts, the point (45 N, 123 E)
  read in each system; and test/fixtures/china-cities.json (GCJ-02 and BD-09 of city centres).
- coordtransform: wandergis/coordtransform, test/app.js (Tiananmen, 39.915 N 116.404 E).
"""

from __future__ import annotations

import math

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from doorstep.core import geo
from doorstep.core.geo import System, distance_m, from_wgs84, parse_point, to_wgs84

CLOSE_M = 0.5

# (WGS84, GCJ-02) as (lat, lng).
WGS_GCJ = [
    # eviltransform python/test.py: Shanghai, Shenzhen, Beijing.
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    # coordtransform test/app.js: wgs84togcj02(116.404, 39.915).
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    # gcoord WGS84.spec.ts: WGS84 → GCJ02 of [123, 45].
    ((45.0, 123.0), (45.00197815, 123.00607541)),
    # gcoord GCJ02.spec.ts: GCJ02 → WGS84 of [123, 45].
    ((44.99804071, 122.99395597), (45.0, 123.0)),
]

# (WGS84, BD-09) as (lat, lng).
WGS_BD = [
    # gcoord WGS84.spec.ts: WGS84 → BD09 of [123, 45].
    ((45.0, 123.0), (45.0083293, 123.0124491)),
    # gcoord BD09.spec.ts: BD09 → WGS84 of [123, 45].
    ((44.99171540, 122.98762210), (45.0, 123.0)),
]

# (GCJ-02, BD-09) as (lat, lng): the same place on AMap and on Baidu.
GCJ_BD = [
    # gcoord china-cities.json: 鄂州 (next to Wuhan), 荆门, 宜昌, all in Hubei.
    ((30.3919431, 114.8948492), (30.397616, 114.9014563)),
    ((31.0354012, 112.1994301), (31.0417338, 112.2058231)),
    ((30.6919691, 111.2864741), (30.6977103, 111.2930248)),
    # gcoord GCJ02.spec.ts / BD09.spec.ts: [123, 45] each way.
    ((45.0, 123.0), (45.00636899, 123.00636499)),
    ((44.99365430, 122.99363304), (45.0, 123.0)),
    # coordtransform test/app.js: gcj02tobd09 and bd09togcj02 of (116.404, 39.915).
    ((39.915, 116.404), (39.92133699351021, 116.41036949371029)),
    ((39.90865673957631, 116.39762729119315), (39.915, 116.404)),
]


def off_by(a: tuple[float, float], b: tuple[float, float]) -> float:
    return distance_m(*a, *b)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_matches_published_pairs_both_ways(wgs, gcj):
    assert off_by(from_wgs84(*wgs, System.GCJ02), gcj) < CLOSE_M
    assert off_by(to_wgs84(*gcj, System.GCJ02), wgs) < CLOSE_M


@pytest.mark.parametrize(("wgs", "bd"), WGS_BD)
def test_bd09_matches_published_pairs_both_ways(wgs, bd):
    assert off_by(from_wgs84(*wgs, System.BD09), bd) < CLOSE_M
    assert off_by(to_wgs84(*bd, System.BD09), wgs) < CLOSE_M


@pytest.mark.parametrize(("gcj", "bd"), GCJ_BD)
def test_a_place_read_on_amap_and_on_baidu_is_one_wgs84_point(gcj, bd):
    assert off_by(to_wgs84(*gcj, System.GCJ02), to_wgs84(*bd, System.BD09)) < CLOSE_M
    wgs = to_wgs84(*gcj, System.GCJ02)
    assert off_by(from_wgs84(*wgs, System.BD09), bd) < CLOSE_M


def test_the_inverse_is_exact_where_the_one_step_inverse_is_not():
    """The usual inverse subtracts the offset found at the GCJ-02 point itself (coordtransform's
    gcj02towgs84); in Hanyang that is off by more than a metre. Ours maps back onto the input
    within a millimetre."""
    gcj = (30.6, 114.3)
    shifted = from_wgs84(*gcj, System.GCJ02)
    one_step = (2 * gcj[0] - shifted[0], 2 * gcj[1] - shifted[1])
    assert off_by(from_wgs84(*one_step, System.GCJ02), gcj) > 1
    ours = to_wgs84(*gcj, System.GCJ02)
    assert off_by(from_wgs84(*ours, System.GCJ02), gcj) < 0.001


def test_the_offset_is_a_few_hundred_metres_in_hanyang():
    hanyang = (30.55, 114.25)
    assert 200 < off_by(from_wgs84(*hanyang, System.GCJ02), hanyang) < 800
    assert 800 < off_by(from_wgs84(*hanyang, System.BD09), hanyang) < 1500


@pytest.mark.parametrize("system", list(System))
@pytest.mark.parametrize(
    "point",
    [(51.5007, -0.1246), (-33.8568, 151.2153), (40.6892, -74.0445), (45.0, 183.0), (0.0, 0.0)],
)
def test_a_point_outside_china_is_left_as_it_is(point, system):
    assert from_wgs84(*point, system) == point
    assert to_wgs84(*point, system) == point


def test_wgs84_is_the_identity_and_a_system_can_be_named_by_its_value():
    assert to_wgs84(30.55, 114.25, "wgs84") == (30.55, 114.25)
    assert to_wgs84(30.55, 114.25, "gcj02") == to_wgs84(30.55, 114.25, System.GCJ02)
    with pytest.raises(ValueError):
        to_wgs84(30.55, 114.25, "mars")


@given(
    lat=st.floats(min_value=18.2, max_value=53.5),
    lng=st.floats(min_value=73.7, max_value=134.7),
    system=st.sampled_from([System.GCJ02, System.BD09]),
)
def test_round_trips_over_mainland_china(lat, lng, system):
    there = from_wgs84(lat, lng, system)
    assert off_by(to_wgs84(*there, system), (lat, lng)) < 0.01
    back = to_wgs84(lat, lng, system)
    assert off_by(from_wgs84(*back, system), (lat, lng)) < 0.01


# --- distances and search boxes -------------------------------------------------------------


def test_distance_matches_known_lengths():
    assert distance_m(30.55, 114.25, 30.55, 114.25) == 0
    # One degree of latitude on the mean sphere: π R / 180.
    assert distance_m(30.0, 114.0, 31.0, 114.0) == pytest.approx(111_195, abs=1)
    # Beijing to Shanghai city centres: ~1,068 km (haversine, any calculator).
    assert distance_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(0, 179.9, 0, -179.9) == pytest.approx(22_239, abs=1)  # across 180


@given(
    lat=st.floats(min_value=-89, max_value=89),
    lng=st.floats(min_value=-180, max_value=180),
    within=st.floats(min_value=0, max_value=50_000),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_the_search_box_holds_every_point_within_reach(lat, lng, within, bearing, fraction):
    """A point ``fraction`` of the way to the edge of the circle, in any direction, is in the
    box (where the box does not wrap past the 180th meridian, which it then spans whole)."""
    angle = within * fraction / geo.EARTH_RADIUS_M
    phi, lam = math.radians(lat), math.radians(lng)
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    lat2, lng2 = math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180
    south, north, west, east = geo.bounding_box(lat, lng, within)
    slack = 1e-9
    assert south - slack <= lat2 <= north + slack
    assert west - slack <= lng2 <= east + slack


def test_the_search_box_is_tight_in_hanyang():
    south, north, west, east = geo.bounding_box(30.55, 114.25, 1000)
    assert distance_m(south, 114.25, north, 114.25) == pytest.approx(2000, abs=0.01)
    assert distance_m(30.55, west, 30.55, east) == pytest.approx(2000, rel=0.001)


@pytest.mark.parametrize("within", [-1, math.nan, math.inf])
def test_the_search_box_needs_a_distance(within):
    with pytest.raises(ValueError):
        geo.bounding_box(30.55, 114.25, within)


# --- points as typed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lng", "expected"),
    [
        ("30.55", "114.25", (30.55, 114.25)),
        (" 30.55 ", "+114.25", (30.55, 114.25)),
        ("-33.8568", "-151", (-33.8568, -151.0)),
        ("90", "180", (90.0, 180.0)),
        ("-90", "-180", (-90.0, -180.0)),
        ("３０．５５", "１１４．２５", (30.55, 114.25)),  # typed with a Chinese input method
        ("3.055e1", ".5", (30.55, 0.5)),
    ],
)
def test_parse_point_reads_decimal_degrees(lat, lng, expected):
    assert parse_point(lat, lng) == expected


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        ("", "114.25", "The latitude “” is not a number."),
        ("abc", "114.25", "The latitude “abc” is not a number."),
        ("nan", "114.25", "The latitude “nan” is not a number."),
        ("30.55", "inf", "The longitude “inf” is not a number."),
        ("30.55", "-Infinity", "The longitude “-Infinity” is not a number."),
        ("1e999", "114.25", "The latitude “1e999” is not a number."),
        ("30.55", "1_14", "The longitude “1_14” is not a number."),
        ("30.55", "0x72", "The longitude “0x72” is not a number."),
        ("30°33′", "114.25", "The latitude “30°33′” is not a number."),
        ("90.0001", "114.25", "The latitude 90.0001 is not between -90 and 90."),
        ("30.55", "-180.5", "The longitude -180.5 is not between -180 and 180."),
        ("114.25", "30.55", "The latitude 114.25 is not between -90 and 90."),  # swapped
    ],
)
def test_parse_point_says_what_is_wrong(lat, lng, message):
    with translation.override("en"), pytest.raises(ValueError) as info:
        parse_point(lat, lng)
    assert str(info.value) == message
