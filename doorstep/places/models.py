"""The place tree: district → street → community → compound, then buildings and households.

An area's ``code`` extends its parent's, so "everything under X" is a prefix match on a code
column; every scoped queryset in Doorstep is built on that (see ``doorstep.staff.scoping``).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core import geo, phone

from .choices import CODE_LENGTH, AreaKind

# A building number as ``buildings.normalize_building`` writes it: digits or letters, "3-1".
PLAIN_NUMBER = re.compile(r"^[0-9A-Z]+(?:-[0-9A-Z]+)?$")


def clean_phone(value: str) -> str:
    """A place's contact phone from a model's ``clean``: blank stays blank, else checked and
    normalised, the error keyed to the ``phone`` field so the admin shows it beside the box."""
    if not value.strip():
        return ""
    try:
        return phone.check_contact(value)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from error


class AreaQuerySet(models.QuerySet["Area"]):
    def compounds_near(self, lat: float, lng: float, within_m: float) -> list[tuple[Area, float]]:
        """Compounds whose centre lies within ``within_m`` metres of the WGS84 point (lat, lng),
        nearest first, each with its distance in metres. The database keeps only the centres in
        a box around the point (the ``area_centre`` index); the exact distance is worked out
        for the few rows left."""
        south, north, west, east = geo.bounding_box(lat, lng, within_m)
        # The columns keep six decimals: widen the box by a little more than their rounding.
        pad = 1e-5
        rows = self.filter(
            kind=AreaKind.COMPOUND,
            lat__range=(south - pad, north + pad),
            lng__range=(west - pad, east + pad),
        )
        near = [(area, geo.distance_m(lat, lng, float(area.lat), float(area.lng))) for area in rows]
        return sorted(
            ((area, metres) for area, metres in near if metres <= within_m),
            key=lambda pair: (pair[1], pair[0].code),
        )


class Area(models.Model):
    """A district, street, community or compound."""

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    # A street's or a community's service centre (党群服务中心): when it opens and its phone,
    # shown on the guides of the matters done there; the address above is the centre's.
    hours = models.CharField(
        _("opening hours"),
        max_length=200,
        blank=True,
        help_text=_("As residents read it, for example 周一至周五 9:00–12:00, 14:00–17:30."),
    )
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        help_text=_("A mobile number or a landline with its area code, such as 027-84561234."),
    )
    # A compound's centre, where Open311 requests with coordinates are matched to compounds.
    # Always WGS84: a point read off a Chinese map is offset by hundreds of metres (core.geo).
    lat = models.DecimalField(
        _("latitude (WGS84)"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "The compound's centre in WGS84, as GPS gives it. A point read off a Chinese map "
            "(AMap, Tencent, Baidu) is offset: convert it from the map's coordinates first."
        ),
    )
    lng = models.DecimalField(
        _("longitude (WGS84)"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("In WGS84, like the latitude."),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["lat", "lng"], name="area_centre")]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if len(self.code) != CODE_LENGTH[AreaKind(self.kind)] or not self.code.isdigit():
            raise ValidationError({"code": _("The code does not fit this kind of area.")})
        if self.parent and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("An area's code must begin with its parent's.")})
        self.phone = clean_phone(self.phone)
        self.clean_centre()

    def clean_centre(self) -> None:
        """Both coordinates or neither, each on the globe."""
        if (self.lat is None) != (self.lng is None):
            missing = "lat" if self.lat is None else "lng"
            raise ValidationError(
                {missing: _("Give both the latitude and the longitude of the centre, or neither.")}
            )
        errors = {}
        if self.lat is not None and not -90 <= self.lat <= 90:
            errors["lat"] = _("A latitude lies between -90 and 90.")
        if self.lng is not None and not -180 <= self.lng <= 180:
            errors["lng"] = _("A longitude lies between -180 and 180.")
        if errors:
            raise ValidationError(errors)

    def ancestors(self) -> models.QuerySet[Area]:
        prefixes = [self.code[:n] for n in sorted(set(CODE_LENGTH.values())) if n < len(self.code)]
        return Area.objects.filter(code__in=prefixes).order_by("code")

    @property
    def full_name(self) -> str:
        return "".join(a.name for a in self.ancestors() if a.kind != AreaKind.DISTRICT) + self.name


class Building(models.Model):
    """A residential building (楼栋) in a compound."""

    compound = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("compound")
    )
    number = models.CharField(_("building number"), max_length=20)

    class Meta:
        ordering = ["compound", "number"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")
        ]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return _("%(compound)s %(building)s") % {
            "compound": self.compound.name,
            "building": self.label,
        }

    @property
    def label(self) -> str:
        """How the building is said: a number in the one spelling (see ``buildings``) reads
        "2栋" / "Building 2"; a named building ("综合楼") or an old spelling is shown as it is."""
        if PLAIN_NUMBER.match(self.number):
            return _("Building %(number)s") % {"number": self.number}
        return self.number


class Household(models.Model):
    """A household (户) at one door of a building."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="households", verbose_name=_("building")
    )
    room = models.CharField(_("room"), max_length=20)

    class Meta:
        ordering = ["building", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "room"], name="household_unique_room")
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return _("%(building)s room %(room)s") % {"building": self.building, "room": self.room}


class Grid(models.Model):
    """A grid worker's patch (网格): a set of buildings in one community."""

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    buildings = models.ManyToManyField(Building, blank=True, verbose_name=_("buildings"))
    # The grid workers who walk this patch: a grid worker's due list and visits are the
    # households of their grids (inside their area grant).
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="grids", verbose_name=_("grid workers")
    )

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self) -> str:
        return self.name
