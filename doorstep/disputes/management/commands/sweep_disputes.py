"""Mark disputes past their one-month target and written agreements whose court-confirmation
deadline is near, and tell their mediators once; run it daily from cron or a systemd timer.
Running it twice, or in two processes at once, marks and notifies each dispute once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.core.commandline import iso_date
from doorstep.disputes.actions import do_sweep_disputes


class Command(BaseCommand):
    help = (
        "Mark disputes past their one-month target, and written agreements whose court "
        "confirmation deadline is within a week, once each, and notify their mediators."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            type=str,
            default=None,
            help="sweep as if today were this date (YYYY-MM-DD); for testing",
        )

    def handle(self, *args, today: str | None = None, **options) -> None:
        overdue, warned = do_sweep_disputes(today=iso_date(today) if today else None)
        self.stdout.write(
            _("Disputes newly overdue: %(overdue)d; court confirmation deadlines near: %(warned)d.")
            % {"overdue": overdue, "warned": warned}
        )
