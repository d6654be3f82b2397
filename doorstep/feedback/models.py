"""Ratings (好差评), their rectifications and appeals, and callbacks (回访). Written only through
``feedback.actions``.

What is rated is a ``Subject``: a closed case, need or dispute, or a served desk visit, copied
here when it closes with the facts every figure groups by (area, service, department, channel,
when it closed). Feedback sits below the apps it rates, so that closing a case, need or dispute
can open its subject in the same transaction, and a figure over ratings never joins four apps.

The rater's identity is kept (a callback must reach them) but shown to nobody who was rated:
only the rectification's owner sees whom to call.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.catalogue.models import Department, Service
from doorstep.people.models import Resident
from doorstep.staff.choices import Role
from doorstep.staff.roles import VIEW_RATINGS, reviewer_grants, roles_with, user_grants
from doorstep.staff.scoping import minimal_prefixes, prefix_q

from .choices import (
    AppealGround,
    AppealStatus,
    Channel,
    Invalid,
    Level,
    Outcome,
    RectificationStatus,
    Solved,
    Source,
    SubjectKind,
)


def new_key() -> str:
    return secrets.token_urlsafe(16)


class SubjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> SubjectQuerySet:
        """Matters rated in the areas where the user holds a role that reads ratings, and for a
        department reviewer the matters their department decided, inside that grant's area (a
        reviewer's grant is not area-wide)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        area_wide = set(roles_with(VIEW_RATINGS)) - {Role.REVIEWER}
        codes = minimal_prefixes(
            [code for role, code, _d in user_grants(user) if role in area_wide]
        )
        q = prefix_q("area_code", codes) if codes else Q(pk__in=[])
        for department, code in reviewer_grants(user):
            q |= Q(department_id=department, area_code__prefix=code)
        return self.filter(q)


class Subject(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=SubjectKind.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    reference = models.CharField(_("reference"), max_length=30)
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("service"),
    )  # fmt: skip
    # The rated unit: the department that decided it, else the community's desk (area_code).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("department"),
    )  # fmt: skip
    # The member of staff who closed it: rated, so never shown the rater, never the owner of
    # its rectification.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("handled by"),
    )  # fmt: skip
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.OFFLINE
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("resident"),
    )  # fmt: skip
    # Where the invitation goes when there is no resident on record (a desk visit booked by
    # phone), as the booking holds it.
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    # The rating link's secret (/rate/<key>/): random, rates this one matter and nothing else.
    key = models.CharField(_("rating link key"), max_length=32, unique=True, default=new_key)
    closed_at = models.DateTimeField(_("closed at"))
    invited_at = models.DateTimeField(_("invited to rate at"), null=True, blank=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["-closed_at", "-id"]
        verbose_name = _("rated matter")
        verbose_name_plural = _("rated matters")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="feedback_subject_once"),
        ]
        indexes = [models.Index(fields=["invited_at", "closed_at"], name="feedback_invite")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class Rating(models.Model):
    """One current rating per subject (一事一评); a new one given at the rectification callback
    replaces it (the old one stays, not current)."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("rated matter")
    )
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level.choices)
    efficiency = models.PositiveSmallIntegerField(
        _("efficiency"), choices=Level.choices, null=True, blank=True
    )
    service = models.PositiveSmallIntegerField(
        _("service level"), choices=Level.choices, null=True, blank=True
    )
    attitude = models.PositiveSmallIntegerField(
        _("attitude"), choices=Level.choices, null=True, blank=True
    )
    guide_clear = models.PositiveSmallIntegerField(
        _("guide clear"), choices=Level.choices, null=True, blank=True
    )
    steps_convenient = models.PositiveSmallIntegerField(
        _("steps convenient"), choices=Level.choices, null=True, blank=True
    )
    materials_minimal = models.PositiveSmallIntegerField(
        _("materials minimal"), choices=Level.choices, null=True, blank=True
    )
    page_easy = models.PositiveSmallIntegerField(
        _("pages easy"), choices=Level.choices, null=True, blank=True
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    source = models.CharField(_("rated from"), max_length=10, choices=Source.choices)
    at = models.DateTimeField(_("rated at"), default=timezone.now)
    current = models.BooleanField(_("current"), default=True)
    # An upheld appeal: kept and shown to leads, left out of every figure.
    excluded = models.BooleanField(_("removed by appeal"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(current=True), name="feedback_one_current_rating"
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.level}"

    @property
    def bad(self) -> bool:
        return self.level <= Level.DISSATISFIED


class CallbackQuerySet(models.QuerySet):
    def of(self, kind: str, object_id: int) -> CallbackQuerySet:
        """The callbacks on one case, need, dispute or desk visit, oldest first."""
        return self.filter(subject__kind=kind, subject__object_id=object_id).order_by("at", "id")


class Callback(models.Model):
    """A callback (回访): reached or not, solved or not, how satisfied; an invalid one (wrong
    number, declined…) counts in no rate."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("rated matter")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    invalid = models.CharField(
        _("not counted because"), max_length=14, choices=Invalid.choices, blank=True
    )
    reached = models.BooleanField(_("resident reached"), default=False)
    solved = models.CharField(_("solved"), max_length=6, choices=Solved.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Level.choices, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{self.subject} · {self.at:%Y-%m-%d}"

    @property
    def valid(self) -> bool:
        return not self.invalid


class Rectification(models.Model):
    """What a bad rating opens (整改): a named owner, a deadline in working days, an outcome and
    a required callback to the resident."""

    rating = models.OneToOneField(
        Rating, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("rating")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="rectifications", verbose_name=_("owner"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=6, choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )  # fmt: skip
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    put_right_by = models.DateField(_("to be put right by"), null=True, blank=True)
    account = models.TextField(_("what was done"), blank=True)
    callback = models.OneToOneField(
        Callback, on_delete=models.PROTECT, null=True, blank=True, related_name="rectification",
        verbose_name=_("callback"),
    )  # fmt: skip
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [models.Index(fields=["status", "due_on"], name="rectification_due")]

    def __str__(self) -> str:
        return str(self.rating.subject)


class Appeal(models.Model):
    """The rated unit contests a bad rating (申诉); a reviewer decides. Upheld, the rating is
    excluded from the figures; the appeal is the log of that."""

    rating = models.ForeignKey(
        Rating, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("rating")
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("filed by"),
    )  # fmt: skip
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    ground = models.CharField(_("ground"), max_length=10, choices=AppealGround.choices)
    grounds = models.TextField(_("why"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["rating"], condition=Q(status="pending"), name="feedback_one_open_appeal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating} · {self.get_status_display()}"
