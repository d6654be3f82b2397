"""Staff role grants: a role held over an area. What each role may do is ``roles.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.places.models import Area

from .choices import Role, StaffEventKind


class RoleGrant(models.Model):
    """A role held by a member of staff over an area and everything under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, verbose_name=_("area"))
    # A department reviewer reviews the cases forwarded to one department, within ``area``.
    department = models.ForeignKey(
        "catalogue.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewer_grants",
        verbose_name=_("department"),
        help_text=_("Department reviewers only: the department whose forwarded cases they see."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="rolegrant_unique"),
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(role="reviewer"),
                name="rolegrant_department_reviewer_only",
            ),
        ]
        db_table = "people_rolegrant"  # made by people's migrations; moved here in state only
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class StaffEvent(models.Model):
    """Append-only audit of the staff page: who changed which account, how, and when. Holds no
    password, one-time or otherwise."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_events",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("change"), max_length=20, choices=StaffEventKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("area")
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("staff account change")
        verbose_name_plural = _("staff account changes")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} · {self.get_kind_display()} · {self.user}"


class PasswordChangeDue(models.Model):
    """The account's holder must choose a new password before anything else: set by an
    administrator's reset to a one-time password, removed when the holder changes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_change_due",
        verbose_name=_("account"),
    )
    since = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("password change due")
        verbose_name_plural = _("password changes due")

    def __str__(self) -> str:
        return f"{self.user} · {self.since:%Y-%m-%d %H:%M}"
