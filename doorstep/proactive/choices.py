"""Choices of the proactive app, and the period keys that make a grant unique."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    GRANT = "grant", _("Grant a benefit")
    RENEWAL = "renewal", _("Open a renewal case")
    REMIND = "remind", _("Remind")


class Mode(models.TextChoices):
    NOTIFY = "notify", _("Grant and notify")
    OFFER = "offer", _("Offer and wait for acceptance")


class Period(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class EntitlementStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    OFFERED = "offered", _("Offered, waiting for the resident")
    ACCEPTED = "accepted", pgettext_lazy("an offer", "Accepted")
    DECLINED = "declined", _("Declined")
    REMINDED = "reminded", _("Reminded")
    CASE_OPENED = "case_opened", _("Renewal case opened")
    STOPPED = "stopped", _("Stopped")


# An entitlement that a stop can end: a benefit being paid, or an offer still open.
STOPPABLE = (EntitlementStatus.GRANTED, EntitlementStatus.ACCEPTED, EntitlementStatus.OFFERED)
# What ``holds("code")`` counts as holding a programme.
HOLDING = (EntitlementStatus.GRANTED, EntitlementStatus.ACCEPTED, EntitlementStatus.CASE_OPENED)


class StopReason(models.TextChoices):
    STOP_RULE = "stop_rule", _("Meets the stop rule")
    NOT_ELIGIBLE = "not_eligible", _("No longer meets the grant rule")
    OPTED_OUT = "opted_out", _("Opted out")
    PROGRAMME_ENDED = "programme_ended", _("Programme ended")


class OptOutReason(models.TextChoices):
    DECLINED = "declined", _("Declined an offer")
    OPTED_OUT = "opted_out", _("Opted out")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")

    @property
    def tone(self) -> str:
        """The status badge's tone (doorstep.css: tone-ok, tone-bad, tone-wait)."""
        return {"done": "ok", "failed": "bad"}.get(self.value, "wait")


class RunPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting to start")
    STOPPING = "stopping", _("Ending entitlements of people no longer eligible")
    GRANTING = "granting", _("Granting to eligible residents")
    OPENING_CASES = "opening_cases", _("Opening renewal cases")
    NOTIFYING = "notifying", _("Writing notifications")
    FINISHED = "finished", _("Finished")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule (command or task)")
    UI = "ui", _("Started on the web")
    API = "api", _("Started through the API")


def period_key(period: str, on: datetime.date) -> str:
    """The key of the period that contains ``on``: "once", "2026-11" or "2026"."""
    if period == Period.MONTHLY:
        return f"{on:%Y-%m}"
    if period == Period.YEARLY:
        return f"{on:%Y}"
    return "once"


def previous_period_key(period: str, on: datetime.date) -> str | None:
    """The key of the period before the one containing ``on`` (None for "once")."""
    if period == Period.MONTHLY:
        first = on.replace(day=1) - datetime.timedelta(days=1)
        return f"{first:%Y-%m}"
    if period == Period.YEARLY:
        return f"{on.year - 1}"
    return None


def period_label(key: str) -> str:
    """How a period key reads on a page: "2026-11" and "2026" as they are, "once" (a one-off
    programme's only period, an internal code) as the Period label."""
    return str(Period.ONCE.label) if key == Period.ONCE else key
