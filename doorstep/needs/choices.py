"""A need's states and its transitions (data, in one place), and the other choices of the app.

``TRANSITIONS`` is the state machine: each verb names the states it leaves and the state it
enters, whether a reason is mandatory, and who takes it (the owner, or a holder of
REVIEW_NEEDS over the need's area). ``ALLOWED`` is the same table as ``{from: {to, ...}}``.
Handing a need on changes its owner, not its state, and is not in this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class NeedStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for the resident")
    ANSWERED = "answered", _("Answered, callback due")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.value]


STATUS_COLOURS = {
    "new": "#8a5a00",
    "in_progress": "#0b5cad",
    "waiting": "#5b3fa0",
    "answered": "#136b2e",
    "closed": "#3d4450",
}

# The feedback clock runs in these states (and the escalation sweep looks at them) ...
RUNNING = frozenset({NeedStatus.NEW, NeedStatus.IN_PROGRESS})
# ... is stopped in this one ...
PAUSED = frozenset({NeedStatus.WAITING})
# ... and the need is open until it is closed.
OPEN = frozenset({NeedStatus.NEW, NeedStatus.IN_PROGRESS, NeedStatus.WAITING, NeedStatus.ANSWERED})


class Side(models.TextChoices):
    OWNER = "owner", _("Owner")
    REVIEWER = "reviewer", _("Reviewer")


@dataclass(frozen=True)
class Transition:
    verb: str
    source: frozenset[str]
    target: str
    side: str
    label: Promise
    needs_reason: bool = False


def _t(verb, source, target, side, label, **kw) -> tuple[str, Transition]:
    return verb, Transition(verb, frozenset(source), target, side, label, **kw)


S = NeedStatus
TRANSITIONS: dict[str, Transition] = dict(
    [
        _t("start", [S.NEW], S.IN_PROGRESS, Side.OWNER, _("Start handling")),
        _t("pause", [S.NEW, S.IN_PROGRESS], S.WAITING, Side.OWNER,
           _("Wait for the resident"), needs_reason=True),
        _t("resume", [S.WAITING], S.IN_PROGRESS, Side.OWNER, _("Resume")),
        _t("answer", [S.NEW, S.IN_PROGRESS, S.WAITING], S.ANSWERED, Side.OWNER,
           _("Answer the resident"), needs_reason=True),
        # The callback (回访): satisfied closes, not satisfied reopens.
        _t("close", [S.ANSWERED], S.CLOSED, Side.OWNER, _("Close after the callback")),
        _t("reopen", [S.ANSWERED, S.CLOSED], S.IN_PROGRESS, Side.OWNER, _("Reopen"),
           needs_reason=True),
    ]
)  # fmt: skip

ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(t.target for t in TRANSITIONS.values() if status in t.source)
    for status in NeedStatus.values
}


class Source(models.TextChoices):
    VISIT = "visit", _("Door-to-door visit")
    DESK = "desk", _("Compound desk")
    RECEPTION = "reception", _("Reception day")
    PHONE = "phone", _("Phone")
    API = "api", _("Another system (API)")
    PROGRAMME = "programme", _("Proactive programme")


# 未诉先办: found by the community before the resident raised it.
FOUND_FIRST = frozenset({Source.VISIT, Source.PROGRAMME})


class Kind(models.TextChoices):
    CONSULT = "consult", _("Enquiry (咨询)")
    HELP = "help", _("Request for help (求助)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    REPORT = "report", _("Report (举报)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")


class Urgency(models.TextChoices):
    RED = "red", _("Red: report at once")
    ORANGE = "orange", _("Orange: same day")
    YELLOW = "yellow", _("Yellow: on site")

    @property
    def colour(self) -> str:
        return {"red": "#a11d1d", "orange": "#b45309", "yellow": "#8a6d00"}[self.value]


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("Hours (wall clock)")
    WORKING_DAYS = "working_days", _("Working days")


class Level(models.IntegerChoices):
    """The escalation ladder: an overdue need climbs one rung at a time."""

    ON_SPOT = 1, _("On the spot")
    PROPERTY = 2, _("Property management")
    COMMITTEE = 3, _("Community committee")
    STREET = 4, _("Street joint meeting")
    DEPARTMENT = 5, _("Department")


class OwnerKind(models.TextChoices):
    USER = "user", _("Member of staff")
    DEPARTMENT = "department", _("Department")
    EXTERNAL = "external", _("Outside body")


class BodyKind(models.TextChoices):
    PROPERTY = "property", _("Property management (物业)")
    WATER = "water", _("Water supply")
    POWER = "power", _("Power supply")
    GAS = "gas", _("Gas")
    HEATING = "heating", _("Heating")
    TELECOM = "telecom", _("Telecoms")
    OTHER = "other", _("Other")


class Decision(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    NOT_SUPPORTED = "not_supported", _("Not supported (explained to the resident)")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")
    CASE = "case", _("Turned into a case")
    DISPUTE = "dispute", _("Turned into a dispute")


class HandoffStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiver")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class GovernanceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class EventKind(models.TextChoices):
    CREATED = "created", _("Registered")
    TRANSITION = "transition", _("Status changed")
    HANDOFF = "handoff", _("Handed on")
    HANDOFF_ACCEPTED = "handoff_ok", _("Hand-on accepted")
    HANDOFF_REFUSED = "handoff_no", _("Hand-on refused")
    # A need another system filed, taken on by the first person to move it (首接负责).
    TAKEN = "taken", _("Taken on from another system")
    EXTENSION_ASKED = "ext_asked", _("Extension asked")
    EXTENSION_GRANTED = "ext_granted", _("Extension granted")
    EXTENSION_REFUSED = "ext_refused", _("Extension refused")
    CALLBACK = "callback", _("Callback")
    ESCALATED = "escalated", _("Escalated")
    SUPPORTER = "supporter", _("Same problem: resident added")
    PROGRESS = "progress", _("Progress")
    PHOTO = "photo", _("Photo added")
    FLAG = "flag", _("Flag decision")
