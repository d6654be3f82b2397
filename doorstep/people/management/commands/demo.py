from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from doorstep.people.demo import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Build the synthetic Hanyang demo district (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20_000)

    def handle(self, *args, residents: int, **options):
        with tqdm(total=residents, unit="人", desc="residents", disable=None) as bar:
            done = build_demo(residents, progress=lambda n: bar.update(n - bar.n))
        loaded = done["loaded"]
        if loaded is None:
            self.stdout.write("Demo data already present; reused it.")
        else:
            self.stdout.write(
                f"Loaded {loaded.created} synthetic residents in {loaded.seconds:.1f}s."
            )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, area in done["logins"]:
            self.stdout.write(f"  {username:<14} {role:<22} {area}")
