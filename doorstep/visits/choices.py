"""The choices of a visit: its outcome, its purpose and the kinds of findings, each with a colour
and a label (``colour`` is what the badges show)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    MET = "met", _("Met the household")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused the visit")
    MOVED_AWAY = "moved_away", _("Moved away")

    @property
    def colour(self) -> str:
        return OUTCOME_COLOURS[self.value]


OUTCOME_COLOURS = {
    "met": "#1b6e3a",
    "nobody_home": "#8a5a00",
    "refused": "#a61b1b",
    "moved_away": "#3d4450",
}


class Purpose(models.TextChoices):
    ROUTINE = "routine", _("Regular visit")
    CARE = "care", _("Care for a vulnerable resident")
    POLICY = "policy", _("Explain a policy")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SAFETY = "safety", _("Safety patrol")
    OTHER = "other", _("Other")

    @property
    def colour(self) -> str:
        return "#0b5cad"


class FindingKind(models.TextChoices):
    NEED = "need", _("Need or request")
    DISPUTE = "dispute", _("Dispute")
    SAFETY = "safety", _("Safety hazard")
    FIRE = "fire", _("Fire hazard")
    SANITATION = "sanitation", _("Sanitation problem")
    OTHER = "other", _("Other")

    @property
    def colour(self) -> str:
        return FINDING_COLOURS[self.value]


FINDING_COLOURS = {
    "need": "#0b5cad",
    "dispute": "#5b3fa0",
    "safety": "#a61b1b",
    "fire": "#a61b1b",
    "sanitation": "#8a5a00",
    "other": "#3d4450",
}


class EventKind(models.TextChoices):
    LOGGED = "logged", _("Visit logged")
    PHOTO = "photo", _("Photo added")
    RULE_SET = "rule_set", _("Visit rule set")
    RULE_REMOVED = "rule_removed", _("Visit rule removed")

    @property
    def colour(self) -> str:
        return "#3d4450"


# Where a household stands on the due list.
class DueState(models.TextChoices):
    NEVER = "never", _("Never visited")
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    COVERED = "covered", _("Visited in time")

    @property
    def colour(self) -> str:
        return DUE_COLOURS[self.value]


DUE_COLOURS = {
    "never": "#a61b1b",
    "overdue": "#a61b1b",
    "due_soon": "#8a5a00",
    "covered": "#1b6e3a",
}
