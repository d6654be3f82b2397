"""Mark the cases that became overdue and notify their handlers and leads; run it from cron or
a systemd timer (hourly is plenty). Running it twice, or in two processes at once, marks and
notifies each case once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from doorstep.cases.actions import do_sweep_overdue
from doorstep.core.commandline import iso_date


class Command(BaseCommand):
    help = (
        "Mark running cases past their due date as overdue, once per case, and notify their "
        "handlers and leads (the handlers' messages go out with deliver_messages)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            type=str,
            default=None,
            help="sweep as if today were this date (YYYY-MM-DD); for testing",
        )

    def handle(self, *args, today: str | None = None, **options) -> None:
        marked = do_sweep_overdue(today=iso_date(today) if today else None)
        self.stdout.write(
            ngettext("%(count)d case newly overdue.", "%(count)d cases newly overdue.", marked)
            % {"count": marked}
        )
