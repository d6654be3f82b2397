"""The reception sweeps: chase the matters late at their departments (督办) and send each leader
the brief of their coming reception day. Run it daily from cron or a systemd timer; running it
twice in a day chases and briefs once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.reception.actions import do_chase, do_send_briefs


class Command(BaseCommand):
    help = (
        "Chase the reception matters past their department's deadline, put late written "
        "decisions on petitions to the leader, and send leaders the brief before their day."
    )

    def handle(self, *args, **options) -> None:
        chased, briefs = do_chase(), do_send_briefs()
        self.stdout.write(
            _("%(chased)d matter(s) chased, %(briefs)d brief(s) sent.")
            % {"chased": chased, "briefs": briefs}
        )
