from __future__ import annotations

from django.core.management.base import BaseCommand

from doorstep.workdays.seed import package_years, seed_holidays


class Command(BaseCommand):
    help = (
        "Add official holidays and make-up working days from the chinesecalendar package. "
        "Dates already in the table (including administrators' edits) are left alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="years to seed (default: all)")

    def handle(self, *args, years: list[int], **options) -> None:
        known = package_years()
        unknown = [y for y in years if y not in known]
        if unknown:
            self.stderr.write(
                f"The installed chinesecalendar does not know {unknown}; it covers "
                f"{known[0]}–{known[-1]}. Enter those years in the admin."
            )
        added = seed_holidays(years or None)
        self.stdout.write(f"{added} dates added.")
