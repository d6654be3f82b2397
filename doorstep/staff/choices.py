from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Desk clerk")
    GRID_WORKER = "grid_worker", _("Grid worker")
    MEDIATOR = "mediator", _("Mediator")
    COMMUNITY_LEAD = "community_lead", _("Community lead")
    STREET_LEAD = "street_lead", _("Street lead")
    DISTRICT_LEAD = "district_lead", _("District lead")
    REVIEWER = "reviewer", _("Department reviewer")
    ADMINISTRATOR = "administrator", _("Administrator")
    # An account for another system (a civic app, a city platform) that files requests through
    # Open311 with an API key; it reads nothing but what it filed.
    GATEWAY = "gateway", _("Other system (Open311)")


class StaffEventKind(models.TextChoices):
    """What an administrator did to a staff account (the staff page's audit trail)."""

    CREATED = "created", _("Account created")
    GRANTED = "granted", _("Role granted")
    REVOKED = "revoked", _("Role withdrawn")
    DISABLED = "disabled", _("Account disabled")
    ENABLED = "enabled", _("Account enabled")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PASSWORD_CHANGED = "password_changed", _("Password changed by its holder")
