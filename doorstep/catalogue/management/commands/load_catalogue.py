from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from doorstep.catalogue.loader import load_catalogue


class Command(BaseCommand):
    help = "Load the SAMPLE catalogue of 82 community-level matters (safe to run again)."

    def handle(self, *args, **options):
        loaded = load_catalogue()
        self.stdout.write(
            _("Catalogue: %(new)d services added, %(old)d already present.")
            % {"new": loaded.created, "old": loaded.existing}
        )
        self.stdout.write(_("Sample list of matters: adapt it to local practice."))
