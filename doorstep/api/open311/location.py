"""Where a request is: the compound it falls in, from a point, a compound's code or an address.

Points come in WGS84 as the specification says, or, declared with ``coordinate_system``, in the
GCJ-02 or BD-09 systems that Chinese map SDKs send (up to about 700 m away from WGS84): they are
converted here, at the boundary, and the need keeps the WGS84 point."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from doorstep.core import geo
from doorstep.finder import BadQuery, find_compounds
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from .render import Open311Error

ADDRESS_MAX = 200


@dataclass(frozen=True)
class Located:
    compound: Area
    lat: float | None = None  # the point as given, in WGS84 (kept for staff, never shown)
    lng: float | None = None


def snap_metres() -> int:
    return int(getattr(settings, "DOORSTEP_OPEN311_SNAP_METRES", 1000))


def _system(data) -> str:
    system = (data.get("coordinate_system") or geo.System.WGS84).strip().lower()
    if system not in geo.System.values:
        raise Open311Error(
            400,
            _("coordinate_system must be one of: %(systems)s.")
            % {"systems": ", ".join(geo.System.values)},
        )
    return system


def _by_point(data) -> Located:
    try:
        lat, lng = geo.parse_point(data.get("lat", ""), data.get("long", ""))
    except ValueError as exc:
        raise Open311Error(400, str(exc)) from None
    lat, lng = geo.to_wgs84(lat, lng, _system(data))
    near = Area.objects.compounds_near(lat, lng, snap_metres())
    if not near:
        raise Open311Error(
            400,
            _("No compound we serve lies within %(m)d metres of this point.")
            % {"m": snap_metres()},
        )
    return Located(near[0][0], lat, lng)


def _by_address_id(address_id: str) -> Located:
    compound = Area.objects.filter(kind=AreaKind.COMPOUND, code=address_id.strip()).first()
    if compound is None:
        raise Open311Error(400, _("address_id is not the code of a compound we serve."))
    return Located(compound)


def _by_address(text: str) -> Located:
    """The compound whose name (else whose address) the address names, the longest match
    first; then the compound finder's best match for a shorter text."""
    text = text.strip()
    if len(text) > ADDRESS_MAX:
        raise Open311Error(
            400, _("address_string is at most %(n)d characters.") % {"n": ADDRESS_MAX}
        )
    given = Value(text, output_field=CharField())
    compounds = Area.objects.filter(kind=AreaKind.COMPOUND).annotate(given=given)
    for column in ("name", "address"):
        named = (
            compounds.exclude(**{column: ""})
            .filter(given__contains=F(column))
            .order_by(Length(column).desc(), "code")
            .first()
        )
        if named is not None:
            return Located(named)
    try:
        found = find_compounds(text).compounds
    except BadQuery:
        found = []
    if not found:
        raise Open311Error(400, _("address_string does not name a compound we serve."))
    return Located(found[0])


def locate(data) -> Located:
    """The compound of a request: lat and long, else address_id, else address_string; a 400
    when none is given or nothing is found."""
    if data.get("lat", "").strip() or data.get("long", "").strip():
        return _by_point(data)
    if data.get("address_id", "").strip():
        return _by_address_id(data["address_id"])
    if data.get("address_string", "").strip():
        return _by_address(data["address_string"])
    raise Open311Error(
        400, _("A location is required: lat and long, address_string or address_id.")
    )
