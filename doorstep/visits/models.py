"""Door-to-door visits (上门走访): who visited which household, when, whom they met, what they
found, their photos; and the visit rules that say how often each kind of resident is visited.

A visit's ``visited_on`` is the local date of ``visited_at`` (Asia/Shanghai), kept as a column
so that "last met visit of each household" is one indexed aggregate and the due date is plain
date arithmetic in SQL.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.staff.roles import VIEW_VISITS

from .choices import EventKind, FindingKind, Outcome, Purpose
from .scoping import scope_q


class VisitRule(models.Model):
    """How often residents with a tag are visited: data an authorised person edits."""

    tag = models.OneToOneField(
        "people.Tag", on_delete=models.CASCADE, related_name="visit_rule", verbose_name=_("tag")
    )
    interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        help_text=_(
            "A household with a resident holding this tag is due this many days after its "
            "last visit where someone was met."
        ),
    )
    silence_days = models.PositiveSmallIntegerField(
        _("red list after (days)"),
        null=True,
        blank=True,
        help_text=_(
            "A resident with this tag goes on the red list after this many days without "
            "contact. Empty: the default. With several ruled tags, the shortest counts."
        ),
    )
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["interval_days", "tag__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__gte=1) & Q(interval_days__lte=366),
                name="visitrule_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(silence_days__isnull=True)
                | (Q(silence_days__gte=1) & Q(silence_days__lte=366)),
                name="visitrule_silence_range",
            ),
        ]
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")

    def __str__(self) -> str:
        return _("%(tag)s: every %(days)d days") % {"tag": self.tag, "days": self.interval_days}


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = VIEW_VISITS) -> VisitQuerySet:
        """Visits in the user's areas; a grid worker's, to households of their grids."""
        return self.filter(
            scope_q(user, capability, area_field="area_code", building_field="household__building")
        )

    def met(self) -> VisitQuerySet:
        return self.filter(outcome=Outcome.MET)

    def with_counts(self) -> VisitQuerySet:
        """``finding_count`` and ``photo_count`` of each visit, for lists."""
        findings = VisitFinding.objects.filter(visit=OuterRef("pk")).values("visit")
        photos = VisitPhoto.objects.filter(visit=OuterRef("pk")).values("visit")
        return self.annotate(
            finding_count=Subquery(findings.annotate(n=Count("pk")).values("n")[:1]),
            photo_count=Subquery(photos.annotate(n=Count("pk")).values("n")[:1]),
        )


class Visit(models.Model):
    """One visit to one household. Written only through ``visits.actions``."""

    household = models.ForeignKey(
        "places.Household",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("household"),
    )
    # The household's compound when visited: scoping never needs a join.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("grid worker"),
    )
    visited_at = models.DateTimeField(_("visited at"))
    visited_on = models.DateField(_("visit date"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    met = models.ManyToManyField(
        "people.Resident", blank=True, related_name="visits", verbose_name=_("residents met")
    )
    notes = models.TextField(_("notes"), blank=True)
    followups = models.TextField(_("follow-ups"), blank=True)
    retry_on = models.DateField(_("try again on"), null=True, blank=True)
    # Made by the page (a UUID) before the visit is sent: a visit sent twice (a retry after a
    # lost answer, the offline queue) lands once.
    client_key = models.UUIDField(_("client key"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["household", "outcome", "visited_on"], name="visit_last_met"),
            models.Index(fields=["area_code", "visited_at"], name="visit_area_time"),
            # The latest visit of a household (its outcome and retry date on the due list).
            models.Index(fields=["household", "visited_at"], name="visit_latest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "client_key"],
                condition=Q(client_key__isnull=False),
                name="visit_client_key",
            ),
            models.CheckConstraint(
                condition=Q(retry_on__isnull=True) | Q(outcome=Outcome.NOBODY_HOME),
                name="visit_retry_only_nobody_home",
            ),
        ]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household_id} {self.get_outcome_display()}"


class VisitFinding(models.Model):
    """One thing found on a visit: a need, a dispute, a hazard (with how many and details).
    Each has its own id, so another app can later take it up (a need from a finding)."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="findings", verbose_name=_("visit")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind.choices)
    description = models.CharField(_("details"), max_length=500)
    count = models.PositiveSmallIntegerField(_("how many"), default=1)

    class Meta:
        ordering = ["visit", "id"]
        indexes = [models.Index(fields=["kind", "visit"], name="finding_kind")]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="finding_count_positive")
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.count}"

    @property
    def colour(self) -> str:
        return FindingKind(self.kind).colour


def photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


class VisitPhoto(models.Model):
    """A photo taken on a visit: JPEG or PNG checked by content, stored encrypted with the
    project's key under a random name, served only through an access-checked view."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit")
    )
    file = models.FileField(_("file"), upload_to=photo_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["visit", "uploaded_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.original_name


class VisitEvent(models.Model):
    """Append-only: every visit logged, photo added and rule changed, who and when."""

    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("visit"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("visit event")
        verbose_name_plural = _("visit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
