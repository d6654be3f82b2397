"""Escalate the needs past their feedback deadline one level and notify the next level; run it
from cron or a systemd timer (every quarter of an hour: the shortest category gives 2 hours).
Running it twice, or in two processes at once, moves each overdue need one level once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from doorstep.needs.actions import do_escalate_needs


class Command(BaseCommand):
    help = (
        "Escalate running needs past their feedback deadline one level up the ladder, with a "
        "new deadline, and notify their owners and the leads of the next level."
    )

    def handle(self, *args, **options) -> None:
        moved = do_escalate_needs()
        self.stdout.write(
            ngettext("%(n)d need escalated.", "%(n)d needs escalated.", moved) % {"n": moved}
        )
