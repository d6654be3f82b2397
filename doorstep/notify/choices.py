from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    LOG = "log", _("Log only")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (needs attention)")
    DEAD = "dead", _("Given up after retries")
    SKIPPED = "skipped", _("Not sent (resident opted out)")

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self]


STATUS_COLOURS = {
    Status.PENDING: "blue",
    Status.SENDING: "blue",
    Status.SENT: "green",
    Status.FAILED: "red",
    Status.DEAD: "red",
    Status.SKIPPED: "grey",
}
