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
