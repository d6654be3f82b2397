"""The outbox: every notification is a row, written in the same transaction as its cause."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Status


class Message(models.Model):
    """One notification to one recipient, rendered when it was queued.

    ``idempotency_key`` names the event ("appointment:42:booked"), so queueing the same event
    twice leaves one row. ``next_attempt_at`` is when a pending message is due; while a worker
    holds it (``sending``) it is the end of the worker's lease, after which a sweep may retry.
    """

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("resident"),
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    template = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    idempotency_key = models.CharField(_("event key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_due")]
        verbose_name = _("message")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or '-'}: {self.template}"


class InboxItem(models.Model):
    """One alert in a member of staff's inbox (their home page and the header badge show it).

    Written by ``notify.inbox.post`` / ``post_from_queryset``, which other apps call beside any
    outside channel. ``key`` names the event ("case:42:overdue"): posting it again to the same
    recipient leaves one item. ``url`` is a path inside Doorstep, where the alert came from.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_items",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("event key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="inbox_unique_key"
            )
        ]
        indexes = [
            # "My unread": the header badge's count on every page.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="inbox_unread",
            ),
            models.Index(fields=["recipient", "created_at"], name="inbox_recipient_created"),
        ]
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
