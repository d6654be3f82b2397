"""Insight keeps no facts of its own: metrics read the other apps' rows (``metrics``). What
lives here is the ledgers' own record: every export made (who, what, when, how many rows) and
the feed links that let another system fetch a scheduled export."""

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
    hashed = models.CharField(max_length=64, unique=True, editable=False)
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
