"""The exceptions to the Monday–Friday rule: public holidays and make-up working days."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import DayKind, Source


class Holiday(models.Model):
    """One date that differs from the Monday–Friday rule.

    A ``holiday`` is a day off (it may fall on a weekend: the whole official span is kept so the
    table reads like the State Council notice); a ``workday`` is a make-up working day (调休),
    normally a Saturday or Sunday. Dates not in the table follow Monday–Friday.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.EDITED
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}"
