"""Create desk sessions from the weekly schedules for the coming days (idempotent)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from doorstep.desks.actions import do_generate_sessions
from doorstep.desks.models import Desk


class Command(BaseCommand):
    help = "Generate desk sessions and slots from the weekly schedules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=28)

    def handle(self, *args, days: int, **options) -> None:
        start = timezone.localdate()
        end = start + datetime.timedelta(days=days - 1)
        created = sum(
            do_generate_sessions(desk, start, end) for desk in Desk.objects.filter(is_active=True)
        )
        self.stdout.write(f"{created} session(s) created.")
