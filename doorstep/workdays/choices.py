from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day (调休)")


class Source(models.TextChoices):
    SEEDED = "seeded", _("From the official calendar package")
    EDITED = "edited", _("Entered or changed by an administrator")
