"""Logging a visit: checked, written with its findings, photos and event in one transaction,
and exactly once per client key."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error
from doorstep.people.choices import ResidentStatus
from doorstep.places.models import Household
from doorstep.staff.roles import LOG_VISITS

from ..choices import EventKind, FindingKind, Outcome, Purpose
from ..models import Visit, VisitEvent, VisitFinding
from ..scoping import household_q
from .photos import MAX_PHOTOS, check_photo, store_photo

MAX_FINDINGS = 20
MAX_COUNT = 999
DESCRIPTION_MAX = 500
CLOCK_SKEW = datetime.timedelta(minutes=5)  # a phone's clock a little ahead is not the future
RETRY_MAX_DAYS = 30


def max_age_days() -> int:
    return getattr(settings, "DOORSTEP_VISIT_MAX_AGE_DAYS", 7)


def retry_days() -> int:
    return getattr(settings, "DOORSTEP_VISIT_RETRY_DAYS", 2)


@dataclass(frozen=True)
class FindingIn:
    kind: str
    description: str
    count: int = 1


@dataclass(frozen=True)
class Logged:
    visit: Visit
    created: bool  # False: the same client key had already logged this visit


def _check_time(visited_at: datetime.datetime, now: datetime.datetime) -> None:
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + CLOCK_SKEW:
        raise field_error("visited_at", _("The visit time cannot be in the future."), "future")
    if visited_at < now - datetime.timedelta(days=max_age_days()):
        message = _(
            "A visit can be logged up to %(days)d days later; for an older one, ask the "
            "community office."
        )
        raise field_error("visited_at", message % {"days": max_age_days()}, "too_old")


def _check_findings(findings: list[FindingIn]) -> list[FindingIn]:
    if len(findings) > MAX_FINDINGS:
        message = _("At most %(n)d findings per visit.") % {"n": MAX_FINDINGS}
        raise field_error("findings", message, "too_many")
    cleaned = []
    for f in findings:
        if f.kind not in FindingKind.values:
            raise field_error("findings", _("Choose a kind for each finding."))
        description = " ".join((f.description or "").split())
        if not description:
            raise field_error("findings", _("Describe each finding."), "required")
        if len(description) > DESCRIPTION_MAX:
            message = _("A finding's details are at most %(n)d characters.")
            raise field_error("findings", message % {"n": DESCRIPTION_MAX}, "too_long")
        if not 1 <= f.count <= MAX_COUNT:
            message = _("The count of a finding is between 1 and %(n)d.")
            raise field_error("findings", message % {"n": MAX_COUNT}, "out_of_range")
        cleaned.append(FindingIn(f.kind, description, f.count))
    return cleaned


def _check_met(household: Household, outcome: str, met: list[int]) -> list[int]:
    met = sorted(set(met))
    if met and outcome != Outcome.MET:
        raise field_error("met", _("Residents met go with the outcome “met”."))
    living = set(
        household.members.filter(pk__in=met, status=ResidentStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    if len(living) != len(met):
        raise field_error("met", _("Choose residents of this household."), "unknown_resident")
    return met


def _retry(outcome: str, visited_on: datetime.date, retry_on: datetime.date | None):
    if outcome != Outcome.NOBODY_HOME:
        if retry_on is not None:
            raise field_error("retry_on", _("A retry date goes with “nobody home”."))
        return None
    if retry_on is None:
        return visited_on + datetime.timedelta(days=retry_days())
    if not visited_on <= retry_on <= visited_on + datetime.timedelta(days=RETRY_MAX_DAYS):
        message = _("Try again within %(n)d days of the visit.") % {"n": RETRY_MAX_DAYS}
        raise field_error("retry_on", message, "out_of_range")
    return retry_on


def _replay(actor, client_key: uuid.UUID | None) -> Visit | None:
    if client_key is None:
        return None
    return Visit.objects.filter(worker=actor, client_key=client_key).first()


def do_log_visit(
    *,
    actor,
    household: Household,
    visited_at: datetime.datetime,
    purpose: str,
    outcome: str,
    met: list[int] = (),
    notes: str = "",
    followups: str = "",
    findings: list[FindingIn] = (),
    retry_on: datetime.date | None = None,
    client_key: uuid.UUID | None = None,
    photos: list = (),
) -> Logged:
    """Log a visit to ``household`` by ``actor``. The same ``client_key`` from the same worker
    returns the visit it logged first, unchanged (a resent visit lands once). Bad input is
    refused with a field error before anything is written."""
    earlier = _replay(actor, client_key)
    if earlier is not None:
        return Logged(earlier, created=False)
    if not Household.objects.filter(household_q(actor, LOG_VISITS), pk=household.pk).exists():
        raise PermissionDenied(_("You may not log visits at this household."))
    if purpose not in Purpose.values:
        raise field_error("purpose", _("Choose the purpose of the visit."))
    if outcome not in Outcome.values:
        raise field_error("outcome", _("Choose the outcome of the visit."))
    now = timezone.now()
    _check_time(visited_at, now)
    visited_on = timezone.localdate(visited_at)
    met = _check_met(household, outcome, list(met))
    retry_on = _retry(outcome, visited_on, retry_on)
    findings = _check_findings(list(findings))
    if len(photos) > MAX_PHOTOS:
        message = _("At most %(n)d photos per visit.") % {"n": MAX_PHOTOS}
        raise field_error("photos", message, "too_many")
    checked = [(p, *check_photo(p)) for p in photos]
    visit = Visit(
        household=household,
        area_code=household.building.compound.code,
        worker=actor,
        visited_at=visited_at,
        visited_on=visited_on,
        purpose=purpose,
        outcome=outcome,
        notes=notes.strip(),
        followups=followups.strip(),
        retry_on=retry_on,
        client_key=client_key,
        created_at=now,
    )
    try:
        with transaction.atomic():
            _write(visit, actor=actor, met=met, findings=findings, photos=checked)
    except IntegrityError:
        # Two sends of one key at once: the other one won; answer with its visit.
        earlier = _replay(actor, client_key)
        if earlier is None:
            raise
        return Logged(earlier, created=False)
    return Logged(visit, created=True)


def _write(visit: Visit, *, actor, met, findings, photos) -> None:
    visit.save()
    if met:
        visit.met.set(met)
    VisitFinding.objects.bulk_create(
        VisitFinding(visit=visit, kind=f.kind, description=f.description, count=f.count)
        for f in findings
    )
    stored = [store_photo(visit, upload, data, ctype) for upload, data, ctype in photos]
    VisitEvent.objects.create(
        kind=EventKind.LOGGED,
        actor=actor,
        visit=visit,
        at=visit.created_at,
        data={
            "outcome": visit.outcome,
            "findings": len(findings),
            "photos": len(stored),
            "met": len(met),
        },
    )
