"""Insight keeps no facts of its own: metrics read the other apps' rows (``metrics``). What
lives here is the figures' rollups (``Tally``: what the closed cases and needs already counted,
so that no dashboard scans every case) and the ledgers' own record: every export made (who,
what, when, how many rows) and the feed links that let another system fetch a scheduled
export."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Split(models.TextChoices):
    MONTH = "month", _("One sheet per month")
    COMMUNITY = "community", _("One sheet per community")


class Via(models.TextChoices):
    WEB = "web", _("Downloaded")
    FEED = "feed", _("Fetched through a feed link")


class LedgerFeedQuerySet(models.QuerySet):
    def usable(self) -> LedgerFeedQuerySet:
        return self.filter(revoked_at__isnull=True, owner__is_active=True)


class LedgerFeed(models.Model):
    """A link another system fetches a ledger through, with the filters saved when it was made.
    It exports as its owner, with the owner's grants at the time of each fetch. Shown once when
    made; only the digest of its secret is kept."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ledger_feeds",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    ledger = models.CharField(_("ledger"), max_length=20)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    split = models.CharField(_("sheets"), max_length=10, choices=Split.choices)
    hashed = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_fetched_at = models.DateTimeField(_("last fetched at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = LedgerFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger feed")
        verbose_name_plural = _("ledger feeds")

    def __str__(self) -> str:
        return self.name


class LedgerExport(models.Model):
    """Append-only: one row per ledger file made, downloaded or fetched through a feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exported by"),
    )
    ledger = models.CharField(_("ledger"), max_length=20)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    split = models.CharField(_("sheets"), max_length=10, choices=Split.choices)
    rows = models.PositiveIntegerField(_("rows"))
    bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    via = models.CharField(_("how"), max_length=6, choices=Via.choices, default=Via.WEB)
    feed = models.ForeignKey(
        LedgerFeed,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
        verbose_name=_("feed"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")

    def __str__(self) -> str:
        return f"{self.ledger} · {self.user_id} · {self.at:%Y-%m-%d %H:%M}"


class Grain(models.TextChoices):
    DAY = "D", _("Day")
    MONTH = "M", _("Month")


class RollUp(models.Model):
    """Append-only: one row per batch of closed rows a sweep rolled up; its id is the batch
    number the rows carry (``Case.tally``, ``Need.tally``)."""

    table = models.CharField(_("table"), max_length=20)
    rows = models.PositiveIntegerField(_("rows"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")

    def __str__(self) -> str:
        return f"{self.table} · {self.rows} · {self.at:%Y-%m-%d %H:%M}"


class Tally(models.Model):
    """What closed rows add to one metric's numerator and denominator, by the day (or month)
    the metric's period reads, the rows' area code and, for needs, whether they are sensitive.
    A metric's figure is the sum of its tallies over the period and area plus the same formula
    over the rows not rolled up yet (``insight.rollups``). ``by`` is set for a numerator that
    counts only what happened by the period's end (closed of those due): the date it happened.

    Rows are only added: a batch adds its counts, a row leaving the rollups (a need reopened)
    adds the same counts negated; sums are what count."""

    metric = models.CharField(_("metric"), max_length=40)
    grain = models.CharField(_("grain"), max_length=1, choices=Grain.choices)
    day = models.DateField(_("day"))  # a month's first day for the month grain
    by = models.DateField(_("by"), null=True, blank=True)
    area_code = models.CharField(_("area code"), max_length=15)
    restricted = models.BooleanField(_("sensitive"), default=False)
    num = models.FloatField(_("numerator"))
    den = models.BigIntegerField(_("denominator"))

    class Meta:
        indexes = [models.Index(fields=["grain", "day", "area_code"], name="tally_period")]
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")

    def __str__(self) -> str:
        return f"{self.metric} · {self.grain} {self.day} · {self.area_code}"
