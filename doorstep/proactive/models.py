"""Proactive programmes (免申即享, 无感续证): who qualifies is a rule; a run grants, offers,
reminds or opens renewal cases for everyone the rule finds, once per resident and period.

- ``Programme``: what is given, to whom (``grant_rule``), until when (``stop_rule``), how often.
- ``RuleVersion``: every text the rules ever had; a run names the version it used.
- ``ProgrammeRun``: one run — who started it, the rule version, the counts, the duration.
- ``Entitlement``: one grant (offer, reminder, renewal case) to one resident for one period;
  unique per (programme, resident, period), which is what makes every run idempotent.
- ``OptOut``: a resident who declined an offer or opted out; no run grants them again until
  they opt back in (the row is deleted).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import (
    EntitlementStatus,
    Kind,
    Mode,
    OptOutReason,
    Period,
    RunPhase,
    RunStatus,
    StopReason,
    Trigger,
)


class Programme(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_('Used by other programmes\' rules: holds("code").'),
    )
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("department"),
    )
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("service"),
        help_text=_("The matter this programme delivers; renewal programmes open cases of it."),
    )
    policy = models.TextField(
        _("policy"), blank=True, help_text=_("The policy text residents are told about.")
    )
    kind = models.CharField(
        pgettext_lazy("of a programme", "kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.GRANT,
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.NOTIFY)
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.ONCE
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    certificate_type = models.ForeignKey(
        "people.CertificateType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate type"),
        help_text=_(
            "Renewal programmes: the certificate renewed, from its type's renewal window "
            "before expiry."
        ),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler of renewal cases"),
        help_text=_("Renewal programmes: the member of staff the renewal cases are opened for."),
    )
    grant_rule = models.TextField(_("grant rule"))
    stop_rule = models.TextField(_("stop rule"), blank=True)
    version = models.PositiveIntegerField(_("rule version"), default=1)
    payment_method = models.CharField(
        _("how it is paid"),
        max_length=100,
        blank=True,
        help_text=_("Said in the grant message, e.g. 打入本人社会保障卡."),
    )
    payment_timing = models.CharField(
        _("when it arrives"),
        max_length=100,
        blank=True,
        help_text=_("Said in the grant message, e.g. 次月15日前."),
    )
    signature = models.CharField(
        _("signed as"),
        max_length=60,
        blank=True,
        help_text=_("The sender named at the end of every message; empty: the department."),
    )
    is_active = models.BooleanField(
        _("active"), default=False, help_text=_("A new programme is off until switched on.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)
    # Maker-checker: a programme that pays money runs only once a second person approved what
    # it pays and to whom; a change of either clears the approval.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rules or amount last changed by"),
    )
    changed_at = models.DateTimeField(_("rules or amount last changed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=Kind.RENEWAL)
                | Q(certificate_type__isnull=False, service__isnull=False, handler__isnull=False),
                name="programme_renewal_needs_certificate_and_service",
            ),
            models.CheckConstraint(
                condition=Q(mode=Mode.NOTIFY) | Q(kind=Kind.GRANT),
                name="programme_offer_grants_only",
            ),
        ]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    @property
    def pays_money(self) -> bool:
        """A grant with an amount: what maker-checker guards."""
        return self.kind == Kind.GRANT and self.amount is not None and Decimal(self.amount) > 0

    @property
    def awaits_approval(self) -> bool:
        return self.pays_money and self.approved_by_id is None

    @property
    def sender(self) -> str:
        return self.signature.strip() or self.department.name


class RuleVersion(models.Model):
    """The rules' text as it was at one version; never changed once written."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="versions", verbose_name=_("programme")
    )
    number = models.PositiveIntegerField(_("version"))
    grant_rule = models.TextField(_("grant rule"))
    stop_rule = models.TextField(_("stop rule"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="ruleversion_unique")
        ]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"


class ProgrammeRun(models.Model):
    """One run of one programme: queued, running (``phase``), done or failed, with counts."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="runs", verbose_name=_("programme")
    )
    rule_version = models.ForeignKey(
        RuleVersion,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("rule version"),
    )
    period = models.CharField(_("period"), max_length=10)
    scan_date = models.DateField(_("scan date"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    phase = models.CharField(
        _("step"), max_length=16, choices=RunPhase.choices, default=RunPhase.WAITING
    )
    trigger = models.CharField(
        _("started by"), max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff"),
    )
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    granted = models.PositiveIntegerField(_("granted"), default=0)
    stopped = models.PositiveIntegerField(_("stopped"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    cases_opened = models.PositiveIntegerField(_("renewal cases opened"), default=0)
    notified = models.PositiveIntegerField(_("notifications written"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["programme", "-queued_at"], name="run_programme_recent")]
        verbose_name = _("programme run")
        verbose_name_plural = _("programme runs")

    def __str__(self) -> str:
        return f"{self.programme} {self.period} ({self.get_status_display()})"

    @property
    def status_choice(self) -> RunStatus:
        return RunStatus(self.status)


class Entitlement(models.Model):
    """One resident's grant, offer, reminder or renewal case of one programme for one period.

    ``period`` is the run's period key ("2026-11", "2026", "once"); a renewal's is its
    certificate and expiry ("cert-42-20270301"), so each expiry is renewed once. ``token`` is
    the random key of the resident's accept / decline / opt-out link.
    """

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name=_("programme"),
    )
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.CASCADE,
        related_name="entitlements",
        verbose_name=_("resident"),
    )
    period = models.CharField(_("period"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=EntitlementStatus.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    certificate = models.ForeignKey(
        "people.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("renewal case"),
    )
    run = models.ForeignKey(
        ProgrammeRun,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name=_("granted by run"),
    )
    token = models.CharField(_("answer link key"), max_length=32, unique=True)
    granted_at = models.DateTimeField(_("granted at"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stop_run = models.ForeignKey(
        ProgrammeRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stopped_entitlements",
        verbose_name=_("stopped by run"),
    )
    stop_reason = models.CharField(
        _("why it stopped"), max_length=16, choices=StopReason.choices, blank=True
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "resident", "period"], name="entitlement_once_per_period"
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "period", "status"], name="entitlement_period"),
            models.Index(fields=["resident", "programme"], name="entitlement_resident"),
        ]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self) -> str:
        return f"{self.programme} · {self.resident_id} · {self.period}"


class OptOut(models.Model):
    """A resident no run may grant this programme to, until they opt back in."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="opt_outs", verbose_name=_("programme")
    )
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.CASCADE,
        related_name="opt_outs",
        verbose_name=_("resident"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=OptOutReason.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "resident"], name="optout_unique")
        ]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self) -> str:
        return f"{self.programme} · {self.resident_id}"
