from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.people.actions import do_purge_imports


class Command(BaseCommand):
    help = (
        "Delete uploaded registry files older than DOORSTEP_IMPORT_FILE_HOURS (default 24), "
        "whatever became of their import. Cron it hourly."
    )

    def handle(self, *args, **options):
        removed = do_purge_imports()
        self.stdout.write(_("%(n)d uploaded files deleted.") % {"n": removed})
