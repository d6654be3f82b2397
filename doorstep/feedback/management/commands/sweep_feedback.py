"""The satisfaction sweeps: invite, once, residents whose matter closed a few days ago and is
still unrated, and mark overdue rectifications (telling their owners). Run it daily from cron
or a systemd timer; running it twice in a day invites and warns once."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.feedback.actions import do_invite, do_mark_overdue_rectifications


class Command(BaseCommand):
    help = (
        "Invite residents to rate matters closed a few days ago and still unrated, and mark "
        "rectifications past their deadline."
    )

    def handle(self, *args, **options) -> None:
        invited, overdue = do_invite(), do_mark_overdue_rectifications()
        self.stdout.write(
            _("%(invited)d resident(s) invited to rate, %(overdue)d rectification(s) overdue.")
            % {"invited": invited, "overdue": overdue}
        )
