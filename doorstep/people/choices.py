from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("Living here")
    MOVED_OUT = "moved_out", _("Moved away")
    DECEASED = "deceased", _("Deceased")


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed record")
    REVEAL_ID = "reveal_id", _("Revealed ID number")
    REVEAL_PHONE = "reveal_phone", _("Revealed phone number")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    IMPORT = "import", _("Imported")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    CHECKED = "checked", _("Checked, nothing written")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Rejected, nothing written")


class ImportPhase(models.TextChoices):
    CHECKING = "checking", _("Checking the rows")
    WRITING = "writing", _("Writing the residents")


class Preference(models.TextChoices):
    """How a resident wants to hear from us (``Resident.notify_channel``)."""

    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("Email")
    NONE = "none", _("No notifications")
