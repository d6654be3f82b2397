"""Join buildings split by spelling ("2", "2栋", "2号楼", "二栋" in one compound) and give each the
one spelling. Safe to run again: a second run finds nothing to do."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from doorstep.places.buildings import merge_split_buildings
from doorstep.places.models import Area


class Command(BaseCommand):
    help = "Merge buildings of one compound whose numbers differ only in spelling (2栋 = 2)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--area", default="", help="Only compounds under this area code (default: all)."
        )

    def handle(self, *args, area: str = "", **options) -> None:
        compounds = None
        if area:
            if not Area.objects.filter(code=area).exists():
                raise CommandError(f"No area has the code {area!r}.")
            compounds = Area.objects.filter(code__startswith=area)
        result = merge_split_buildings(compounds)
        self.stdout.write(
            f"{result.buildings_merged} building(s) merged, {result.buildings_renamed} renamed; "
            f"{result.households_merged} household(s) joined, {result.households_moved} moved."
        )
