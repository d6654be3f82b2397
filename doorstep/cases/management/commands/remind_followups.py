"""Remind residents and handlers of materials accepted to follow (容缺) before their deadline,
and flag the cases whose deadline passed; run it daily from cron or a systemd timer. Running it
twice, or in two processes at once, reminds and flags each case once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.cases.actions import do_remind_followups
from doorstep.core.commandline import iso_date


class Command(BaseCommand):
    help = (
        "Remind residents and handlers of materials to follow (容缺) before their deadline, "
        "and flag the cases whose deadline has passed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            type=str,
            default=None,
            help="run as if today were this date (YYYY-MM-DD); for testing",
        )

    def handle(self, *args, today: str | None = None, **options) -> None:
        run = do_remind_followups(today=iso_date(today) if today else None)
        self.stdout.write(
            _("Reminded: %(reminded)d. Newly late: %(late)d.")
            % {"reminded": run.reminded, "late": run.late}
        )
