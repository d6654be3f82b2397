"""The case's states, its transitions (data, in one place) and the other choices of the app.

``TRANSITIONS`` is the state machine: each verb names the states it leaves, the state it enters,
which side may take it (the desk that carries the case, or the department it was forwarded to),
whether a reason is mandatory, and whether the case must (or must not) already be accepted.
``ALLOWED`` is the same table as ``{from: {to, ...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_MATERIALS = "awaiting_materials", _("Awaiting materials")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    FORWARDED = "forwarded", _("Forwarded to department")
    RETURNED = "returned", _("Returned for correction")
    SUSPENDED = "suspended", _("Suspended (中止)")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.value]


STATUS_COLOURS = {
    "draft": "#3d4450",
    "awaiting_materials": "#8a5a00",
    "accepted": "#0b5cad",
    "in_progress": "#0b5cad",
    "forwarded": "#5b3fa0",
    "returned": "#8a5a00",
    "suspended": "#8a5a00",
    "completed": "#136b2e",
    "refused": "#a11d1d",
    "withdrawn": "#3d4450",
}

CLOSED = frozenset({CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN})
# After acceptance the clock runs in these states ...
RUNNING = frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.FORWARDED})
# ... and stops in these, while the resident corrects or supplies materials, or while the case is
# suspended (中止: an appraisal, a related case, something outside the office's hands).
PAUSED = frozenset({CaseStatus.AWAITING_MATERIALS, CaseStatus.RETURNED, CaseStatus.SUSPENDED})


class Side(models.TextChoices):
    DESK = "desk", _("Desk")  # the clerk carrying the case (HANDLE_CASES in the case's area)
    DEPARTMENT = "department", _("Department")  # a reviewer of the department it was sent to


@dataclass(frozen=True)
class Transition:
    verb: str
    source: frozenset[str]
    target: str
    side: str
    label: Promise
    needs_reason: bool = False
    # True: only for a case already accepted; False: only before acceptance; None: either.
    accepted: bool | None = None


def _t(verb, source, target, side, label, **kw) -> tuple[str, Transition]:
    return verb, Transition(verb, frozenset(source), target, side, label, **kw)


S = CaseStatus
TRANSITIONS: dict[str, Transition] = dict(
    [
        # 一次性告知: materials are missing; nothing is accepted yet, no clock runs.
        _t("notify", [S.DRAFT], S.AWAITING_MATERIALS, Side.DESK, _("Issue one-time notice"),
           accepted=False),
        _t("accept", [S.DRAFT, S.AWAITING_MATERIALS], S.ACCEPTED, Side.DESK, _("Accept"),
           accepted=False),
        _t("refuse", [S.DRAFT, S.AWAITING_MATERIALS], S.REFUSED, Side.DESK, _("Refuse"),
           needs_reason=True, accepted=False),
        _t("start", [S.ACCEPTED], S.IN_PROGRESS, Side.DESK, _("Start handling")),
        # After acceptance: ask for more, which stops the clock until the resident supplies it.
        _t("request_materials", [S.ACCEPTED, S.IN_PROGRESS], S.AWAITING_MATERIALS, Side.DESK,
           _("Ask for materials"), needs_reason=True, accepted=True),
        _t("supply", [S.AWAITING_MATERIALS], S.IN_PROGRESS, Side.DESK,
           _("Materials supplied"), accepted=True),
        _t("forward", [S.ACCEPTED, S.IN_PROGRESS], S.FORWARDED, Side.DESK,
           _("Forward to department")),
        _t("approve", [S.FORWARDED], S.IN_PROGRESS, Side.DEPARTMENT, _("Approve")),
        _t("return", [S.FORWARDED], S.RETURNED, Side.DEPARTMENT, _("Return for correction"),
           needs_reason=True),
        _t("resubmit", [S.RETURNED], S.FORWARDED, Side.DESK, _("Send back corrected")),
        _t("reject", [S.FORWARDED], S.REFUSED, Side.DEPARTMENT, _("Reject"),
           needs_reason=True),
        # 中止: the clock stops while suspended and restarts where it stopped.
        _t("suspend", [S.ACCEPTED, S.IN_PROGRESS], S.SUSPENDED, Side.DESK, _("Suspend"),
           needs_reason=True, accepted=True),
        _t("resume", [S.SUSPENDED], S.IN_PROGRESS, Side.DESK, _("Resume"), accepted=True),
        _t("complete", [S.ACCEPTED, S.IN_PROGRESS], S.COMPLETED, Side.DESK, _("Complete")),
        _t("withdraw",
           [S.DRAFT, S.AWAITING_MATERIALS, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.SUSPENDED],
           S.WITHDRAWN, Side.DESK, _("Withdraw at the resident's request"), needs_reason=True),
    ]
)  # fmt: skip

ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(t.target for t in TRANSITIONS.values() if status in t.source)
    for status in CaseStatus.values
}


class Outcome(models.TextChoices):
    """What intake at the desk ends in; each prints a document."""

    ACCEPT = "accept", _("Accept (受理)")
    ACCEPT_PENDING = "accept_pending", _("Accept with materials to follow (容缺受理)")
    NOTICE = "notice", _("One-time notice of missing materials (一次性告知)")
    REFUSE = "refuse", _("Refuse (不予受理)")


class MaterialState(models.TextChoices):
    PROVIDED = "provided", _("Provided")
    ON_FILE = "on_file", _("On file, not needed")
    MISSING = "missing", _("Missing")
    PENDING = "pending", _("To be supplied later")  # 容缺
    NOT_NEEDED = "not_needed", _("Not needed")  # an optional material the resident lacks

    @property
    def colour(self) -> str:
        return {
            "provided": "#136b2e",
            "on_file": "#136b2e",
            "missing": "#a11d1d",
            "pending": "#8a5a00",
            "not_needed": "#3d4450",
        }[self.value]


OUTSTANDING = frozenset({MaterialState.MISSING, MaterialState.PENDING})


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Acceptance receipt (受理回执)")
    PENDING = "pending", _("Acceptance with materials to follow (容缺受理通知书)")
    NOTICE = "notice", _("One-time notice (一次性告知书)")
    SUPPLEMENT = "supplement", _("Supplementary notice (补充告知书)")
    CORRECTION = "correction", _("Notice to correct (补正材料通知书)")
    REFUSAL = "refusal", _("Notice of refusal (不予受理通知书)")
    DECISION = "decision", _("Decision not to approve (不予批准决定书)")


class EventKind(models.TextChoices):
    CREATED = "created", _("Taken in")
    TRANSITION = "transition", _("Status changed")
    NOTICE = "notice", _("Notice issued")
    MATERIALS = "materials", _("Materials received")
    TRIP = "trip", _("Resident came in")
    ATTACHMENT = "attachment", _("File attached")
    NOTE = "note", _("Note")
    OVERDUE = "overdue", _("Overdue")
    RECOUNTED = "recounted", _("Due date recounted")
    LATE = "late", _("Materials to follow are late")
    EXTENSION = "extension", _("Extension")
    SUPERVISION = "supervision", _("Supervision")


class Result(models.TextChoices):
    """What a completed case decided (办结结果)."""

    GRANTED = "granted", _("Granted (准予)")
    DENIED = "denied", _("Not granted (不予)")


class Delivery(models.TextChoices):
    """How the resident gets the result."""

    DESK = "desk", _("Collected at the desk")
    MAIL = "mail", _("Mailed")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")

    @property
    def colour(self) -> str:
        return {"pending": "#8a5a00", "approved": "#136b2e", "rejected": "#a11d1d"}[self.value]


class AgentKind(models.TextChoices):
    SELF = "self", _("The resident in person")
    CLERK = "clerk", _("A community clerk (代办)")
    FAMILY = "family", _("A family member or other agent")


class Clock(models.TextChoices):
    """The case's time limit as a colour: green, yellow (80% used), red (overdue)."""

    NONE = "none", _("No time limit running")
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    PAUSED = "paused", _("Clock stopped: waiting for the resident")
    SUSPENDED = "suspended", _("Clock stopped: case suspended")

    @property
    def colour(self) -> str:
        return {
            "none": "#3d4450",
            "green": "#136b2e",
            "yellow": "#8a5a00",
            "red": "#a11d1d",
            "paused": "#0b5cad",
            "suspended": "#0b5cad",
        }[self.value]


class ApplicationStatus(models.TextChoices):
    """Where a matter filed by another system (``RemoteApplication``) stands at the community."""

    PENDING = "pending", _("Waiting to be taken in")
    TAKEN_IN = "taken_in", _("Taken in")
    DECLINED = "declined", _("Not taken in (declined)")

    @property
    def colour(self) -> str:
        return {"pending": "#8a5a00", "taken_in": "#136b2e", "declined": "#a11d1d"}[self.value]
