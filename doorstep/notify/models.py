"""The outbox: every notification is a row, written in the same transaction as its cause."""

from __future__ import annotations

from django.db import models
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
