"""Points on the map: Chinese maps' coordinate systems, distances, and points typed by people.

Maps in China do not show GPS coordinates (WGS84). AMap (高德), Tencent and Apple's maps inside
China use GCJ-02 (国测局 "Mars" coordinates, offset from WGS84 by a few hundred metres); Baidu
adds its own BD-09 offset on top of GCJ-02. Doorstep keeps every point in WGS84 and converts
what a client sends first.

The forward transforms (WGS84 → GCJ-02 → BD-09) are the published ones every library carries
(eviltransform, coordtransform, gcoord). The way back iterates the forward transform until it
lands on the given point, exact to a millimetre; the usual one-step inverse is off by up to
five metres.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Point = tuple[float, float]  # (latitude, longitude) in degrees

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius: haversine distances and search boxes

# GCJ-02's constants: the Krasovsky 1940 ellipsoid it was defined on.
_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.006_693_421_622_965_943
_BAIDU_FACTOR = math.pi * 3000.0 / 180.0

# Converging on the inverse: stop when the forward transform misses by under ~0.01 mm.
_TOLERANCE_DEG = 1e-10
_MAX_STEPS = 30


class System(models.TextChoices):
    """The coordinate system a point was given in."""

    WGS84 = "wgs84", gettext_lazy("WGS84 (GPS)")
    GCJ02 = "gcj02", gettext_lazy("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", gettext_lazy("BD-09 (Baidu)")


def in_china(lat: float, lng: float) -> bool:
    """Whether the Chinese offsets apply. This is the rectangle every library uses, the common
    approximation: it takes in Mongolia, Korea, Japan's west and much of South-East Asia, and
    the maps themselves use a finer border; for points in mainland China it is right."""
    return 72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271


def _gcj_shift(x: float, y: float) -> Point:
    """GCJ-02's offset in metres (north, east) before scaling, at ``x``, ``y`` degrees east and
    north of 105 E, 35 N: the polynomial and sine series of the published algorithm."""
    waves = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    north += waves + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    north += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)) * 2 / 3
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    east += waves + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    east += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return north, east


def _wgs84_to_gcj02(lat: float, lng: float) -> Point:
    north, east = _gcj_shift(lng - 105.0, lat - 35.0)
    rad = math.radians(lat)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad) ** 2
    meridian = _KRASOVSKY_A * (1 - _KRASOVSKY_EE) / (magic * math.sqrt(magic))
    parallel = _KRASOVSKY_A / math.sqrt(magic) * math.cos(rad)
    return lat + north * 180.0 / (meridian * math.pi), lng + east * 180.0 / (parallel * math.pi)


def _gcj02_to_bd09(lat: float, lng: float) -> Point:
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _BAIDU_FACTOR)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BAIDU_FACTOR)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _wgs84_to_bd09(lat: float, lng: float) -> Point:
    return _gcj02_to_bd09(*_wgs84_to_gcj02(lat, lng))


_FORWARD: dict[System, Callable[[float, float], Point]] = {
    System.GCJ02: _wgs84_to_gcj02,
    System.BD09: _wgs84_to_bd09,
}


def _invert(forward: Callable[[float, float], Point], lat: float, lng: float) -> Point:
    """The WGS84 point that ``forward`` takes to (lat, lng). Start there and step back by the
    miss: the offsets change slowly over the map (a few metres per kilometre), so each step cuts
    the miss a hundredfold or more and a handful of steps reach the tolerance."""
    guess_lat, guess_lng = lat, lng
    for _step in range(_MAX_STEPS):
        got_lat, got_lng = forward(guess_lat, guess_lng)
        miss_lat, miss_lng = got_lat - lat, got_lng - lng
        if abs(miss_lat) < _TOLERANCE_DEG and abs(miss_lng) < _TOLERANCE_DEG:
            break
        guess_lat, guess_lng = guess_lat - miss_lat, guess_lng - miss_lng
    return guess_lat, guess_lng


def to_wgs84(lat: float, lng: float, system: System | str) -> Point:
    """A point given in ``system``, in WGS84. Outside China (``in_china``) every system is
    WGS84 already. An unknown system raises ValueError."""
    forward = _FORWARD.get(System(system))
    if forward is None or not in_china(lat, lng):
        return lat, lng
    return _invert(forward, lat, lng)


def from_wgs84(lat: float, lng: float, system: System | str) -> Point:
    """A WGS84 point as a map in ``system`` shows it."""
    forward = _FORWARD.get(System(system))
    if forward is None or not in_china(lat, lng):
        return lat, lng
    return forward(lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Metres along the ground between two WGS84 points (haversine on a sphere: off by at most
    0.5% from the ellipsoid, far below what a compound's size makes matter)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lng: float, within_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) in degrees: a box that holds every point within ``within_m``
    metres of (lat, lng), for an indexed range filter before the exact distance. Near a pole or
    across the 180th meridian it spans every longitude rather than wrap."""
    if not (math.isfinite(within_m) and within_m >= 0):
        raise ValueError(f"within_m must be a distance in metres, not {within_m!r}")
    angle = within_m / EARTH_RADIUS_M
    south = max(-90.0, lat - math.degrees(angle))
    north = min(90.0, lat + math.degrees(angle))
    # The widest a spherical cap gets, east and west of its centre.
    cos_lat = math.cos(math.radians(lat))
    if south <= -90.0 or north >= 90.0 or math.sin(angle) >= cos_lat:
        return south, north, -180.0, 180.0
    half_width = math.degrees(math.asin(math.sin(angle) / cos_lat))
    west, east = lng - half_width, lng + half_width
    if west <= -180.0 or east >= 180.0:  # -180 and 180 are one meridian
        return south, north, -180.0, 180.0
    return south, north, west, east


# A plain decimal number: no "nan", "inf", "1_000" or hexadecimal, which float() would take.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _degrees(text: str, *, limit: float, not_a_number: str, out_of_range: str) -> float:
    # NFKC folds the full-width digits, minus and point that Chinese input methods type.
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace("−", "-")
    value = float(cleaned) if _DECIMAL.fullmatch(cleaned) else math.nan
    if not math.isfinite(value):
        raise ValueError(not_a_number % {"value": (text or "").strip()[:30]})
    if not -limit <= value <= limit:
        raise ValueError(out_of_range % {"value": cleaned[:30]})
    return value


def parse_point(lat: str, lng: str) -> Point:
    """A latitude and a longitude as typed or sent ("30.55", "114.25"), as floats; ValueError
    with a message fit to show when either is not a number or lies off the globe."""
    return (
        _degrees(
            lat,
            limit=90.0,
            not_a_number=_("The latitude “%(value)s” is not a number."),
            out_of_range=_("The latitude %(value)s is not between -90 and 90."),
        ),
        _degrees(
            lng,
            limit=180.0,
            not_a_number=_("The longitude “%(value)s” is not a number."),
            out_of_range=_("The longitude %(value)s is not between -180 and 180."),
        ),
    )
