from __future__ import annotations

from django.core.management.base import BaseCommand

from doorstep.notify.outbox import deliver_due


class Command(BaseCommand):
    help = (
        "Send the outbox messages that are due (for cron or a systemd timer). Safe to run in "
        "several processes at once; a message is never sent by two of them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="most messages per run")

    def handle(self, *args, limit: int, **options) -> None:
        counts = deliver_due(limit=limit)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
