"""The mediator's worklist on the home page: open disputes by deadline, callbacks due, and
court-confirmation deadlines running. Three small indexed queries, whatever the number of
disputes (each list is cut at ``LIMIT`` and says how many there are in all)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from .models import Dispute

LIMIT = 8


@dataclass(frozen=True)
class Worklist:
    open: list[Dispute]
    callbacks: list[Dispute]
    confirmations: list[Dispute]
    today: object

    @property
    def empty(self) -> bool:
        return not (self.open or self.callbacks or self.confirmations)


def worklist(user) -> Worklist:
    today = timezone.localdate()
    visible = Dispute.objects.visible_to(user).select_related("area")
    return Worklist(
        open=list(visible.open().order_by("due_on", "id")[:LIMIT]),
        callbacks=list(visible.callback_due().order_by("performance_by", "outcome_at")[:LIMIT]),
        confirmations=list(
            visible.confirmation_running(today).order_by("confirmation_due", "id")[:LIMIT]
        ),
        today=today,
    )


def panel(user, profile, today=None) -> Worklist | None:
    """The home page's mediation panel (``doorstep.views.PANELS``): for those who mediate."""
    return worklist(user) if profile.can_mediate_disputes else None
