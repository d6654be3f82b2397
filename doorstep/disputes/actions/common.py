"""What the dispute actions share: the permission check, the row lock, the event writer, the
one transition function, text checks and the one-month deadline. Only the action modules use
these; everyone else calls a ``do_*`` verb."""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.feedback.actions import do_open_subject, subject_for
from doorstep.feedback.choices import SubjectKind

from ..access import may_mediate
from ..choices import OPEN, TRANSITIONS, DisputeStatus, EventKind, Need, Performance
from ..errors import InvalidTransition, field_error
from ..models import Dispute, DisputeEvent

TEXT_MAX = 4000


def one_month_after(day: datetime.date) -> datetime.date:
    """The same day a calendar month later (the last day of the month when it has no such day:
    31 January → 28 or 29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def check_may_mediate(user, dispute: Dispute) -> None:
    if not may_mediate(user, dispute):
        raise PermissionDenied(_("Only the dispute's mediator or a committee lead may do this."))


def lock(dispute: Dispute) -> Dispute:
    """Re-read the dispute inside the transaction (row-locked where the database can)."""
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def copy_back(dispute: Dispute, locked: Dispute) -> None:
    """Give the caller's instance the values the action wrote."""
    if dispute is not locked:
        for field in Dispute._meta.concrete_fields:
            setattr(dispute, field.attname, getattr(locked, field.attname))


def record_event(dispute: Dispute, kind: str, *, actor, at=None, **fields) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute, kind=kind, actor=actor, at=at or timezone.now(), **fields
    )


def required_text(field: str, value: str | None, message: str, *, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise field_error(field, message, "required")
    if len(value) > limit:
        raise field_error(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return value


def optional_text(field: str, value: str | None, *, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise field_error(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return value


def not_future(field: str, day: datetime.date | None, today: datetime.date) -> datetime.date:
    if day is None:
        raise field_error(field, _("Give a date."), "required")
    if day > today:
        raise field_error(field, _("This date is in the future."), "future")
    return day


# ---- the state machine -----------------------------------------------------------------------


def unmet(dispute: Dispute, need: str) -> str | None:
    """Why ``dispute`` does not meet ``need``, or None when it does."""
    if need == Need.SESSION and not dispute.sessions.exists():
        return _("Record at least one mediation session first: a session record is required.")
    if need == Need.CALLBACK and not (dispute.callback_at and dispute.callback_reached):
        return _("Call the parties back on whether the agreement is kept before closing the file.")
    return None


def why_not(dispute: Dispute, verb: str) -> str | None:
    """Why ``verb`` cannot be taken now, or None when it can."""
    t = TRANSITIONS.get(verb)
    if t is None:
        return _("Unknown action “%(verb)s”.") % {"verb": verb[:20]}
    if dispute.status not in t.source:
        return _("A dispute that is “%(status)s” cannot be “%(verb)s”.") % {
            "status": DisputeStatus(dispute.status).label,
            "verb": t.label,
        }
    for need in t.needs_from(dispute.status):
        reason = unmet(dispute, need)
        if reason:
            return reason
    return None


def transition(dispute: Dispute, verb: str, *, actor, reason: str = "", data=None, now=None):
    """Move the (locked) dispute on by ``verb``: checked against the table, written with a
    status-guarded UPDATE, logged as an event. Returns the event."""
    problem = why_not(dispute, verb)
    if problem:
        raise InvalidTransition(problem)
    t = TRANSITIONS[verb]
    reason = (reason or "").strip()
    if t.needs_reason and not reason:
        raise field_error("reason", _("Give a reason: it goes into the file."), "required")
    now = now or timezone.now()
    old = dispute.status
    fields = {"status": t.target}
    if t.target == DisputeStatus.CLOSED:
        fields["closed_at"] = now
    if not Dispute.objects.filter(pk=dispute.pk, status=old).update(**fields):
        raise InvalidTransition(
            _("Someone else changed this dispute a moment ago. Reload it to see the change.")
        )
    for name, value in fields.items():
        setattr(dispute, name, value)
    concluded = old in OPEN and t.target not in OPEN
    if concluded or (
        t.target == DisputeStatus.CLOSED and subject_for(SubjectKind.DISPUTE, dispute.pk) is None
    ):
        open_subject(dispute, actor=actor, at=now)
    return record_event(
        dispute,
        EventKind.TRANSITION,
        actor=actor,
        at=now,
        verb=verb,
        from_status=old,
        to_status=t.target,
        reason=reason,
        data=data or {},
    )


def open_subject(dispute: Dispute, *, actor, at: datetime.datetime) -> None:
    """Open the dispute for rating (好差评) when mediation concludes (agreement, none,
    referred, withdrawn), not when the file closes: the callback on an agreement comes before
    the close and is recorded on the rated matter. A file settled before this rule opens at its
    close. The rater is the first party on record; the unit rated is the community."""
    party = dispute.parties.filter(resident__isnull=False).order_by("pk").first()
    do_open_subject(
        SubjectKind.DISPUTE, dispute.pk, reference=dispute.number, area_code=dispute.area_code,
        closed_at=at, handler=actor, resident=party.resident if party else None,
    )  # fmt: skip


def available_verbs(user, dispute: Dispute) -> list[str]:
    """The hand-taken verbs (withdraw, close) ``user`` may take now, for the page's buttons."""
    if not may_mediate(user, dispute):
        return []
    return [v for v in ("withdraw", "close") if why_not(dispute, v) is None]


def performance_label(value: str) -> str:
    return str(Performance(value).label) if value in Performance.values else ""
