"""Choices of the reception app, and the petition time limits of the 信访工作条例 (2022)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# 信访工作条例 arts. 32–35: decide whether to accept within 15 days and say so in writing;
# conclude within 60 days of acceptance, once extendable by at most 30 with a reason. Calendar
# days, as the regulation counts them.
PETITION_NOTICE_DAYS = 15
PETITION_CONCLUDE_DAYS = 60
PETITION_EXTENSION_MAX = 30
# How many days before a reception day its leader is sent the brief.
BRIEF_DAYS_AHEAD = 2


class Mode(models.TextChoices):
    OPEN = "open", _("Open reception: come without booking (接访)")
    APPOINTMENT = "appointment", _("By appointment only (约访)")
    BOTH = "both", _("Open, and places can be booked")

    @property
    def bookable(self) -> bool:
        return self != Mode.OPEN


class DayStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Route(models.TextChoices):
    """What became of a matter raised: accepted (a need the leader owns), or registered only
    and the resident told where to go, as the regulation wants for these three."""

    ACCEPTED = "accepted", _("Accepted: the leader owns it")
    COURT = "court", _("Registered, not accepted: for a court")
    ARBITRATION = "arbitration", _("Registered, not accepted: for arbitration")
    RECONSIDERATION = (
        "reconsideration",
        _("Registered, not accepted: for administrative reconsideration"),
    )


# What the resident is told when a matter is not accepted (the registering clerk may add to it).
WHERE_TO_GO = {
    Route.COURT: _("This matter is for a people's court: bring it to the court with jurisdiction."),
    Route.ARBITRATION: _(
        "This matter is for arbitration (labour disputes: the labour dispute arbitration "
        "commission; contracts: the arbitration body your contract names)."
    ),
    Route.RECONSIDERATION: _(
        "This matter is for administrative reconsideration: apply to the reconsideration body "
        "within 60 days of learning of the decision."
    ),
}


class Stage(models.TextChoices):
    """Where a matter stands, as the public board and the lists show it (derived, not stored)."""

    REFERRED = "referred", _("Not accepted, referred")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("With the department")
    LATE = "late", _("Late: being chased")
    REPORTED = "reported", _("Department reported")
    ANSWERED = "answered", _("Concluded, callback due")
    CLOSED = "closed", _("Concluded and called back")

    @property
    def colour(self) -> str:
        return STAGE_COLOURS[self.value]


STAGE_COLOURS = {
    "referred": "#3d4450",
    "accepted": "#8a5a00",
    "assigned": "#0b5cad",
    "late": "#b3261e",
    "reported": "#5b3fa0",
    "answered": "#136b2e",
    "closed": "#3d4450",
}
