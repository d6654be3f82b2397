"""Queue tomorrow's appointment reminders; run it daily from cron or a systemd timer. Running it
twice sends nothing twice."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand

from doorstep.desks.actions import do_send_reminders


class Command(BaseCommand):
    help = "Queue a reminder for every open booking tomorrow (each booking is reminded once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, date: datetime.date | None = None, **options) -> None:
        sent = do_send_reminders(day=date)
        self.stdout.write(f"{sent} reminder(s) queued.")
