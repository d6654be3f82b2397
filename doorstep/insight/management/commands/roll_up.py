"""Roll up the cases and needs closed since the last run into the figures' tallies, so that
dashboards read a period's counts instead of every row. Run it after the case sweep (every few
minutes to daily: figures are exact either way, the rows not rolled up yet are read directly);
running it twice adds nothing twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.insight.rollups import do_roll_up


class Command(BaseCommand):
    help = "Roll up the cases and needs closed since the last run into the dashboards' tallies."

    def handle(self, *args, **options) -> None:
        done = do_roll_up()
        self.stdout.write(
            _("%(cases)d case(s) and %(needs)d need(s) rolled up.")
            % {"cases": done["cases"], "needs": done["needs"]}
        )
