from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from doorstep.demo import DEMO_PASSWORD, build_demo
from doorstep.proactive.choices import Kind, Mode


def programme_line(run) -> str:
    programme = run.programme
    if programme.kind == Kind.RENEWAL:
        text = _("%(name)s: %(n)d renewal cases opened.")
        n = run.cases_opened
    elif programme.kind == Kind.REMIND:
        text, n = _("%(name)s: %(n)d residents reminded."), run.granted
    elif programme.mode == Mode.OFFER:
        text, n = _("%(name)s: offered to %(n)d residents."), run.granted
    else:
        text, n = _("%(name)s: granted to %(n)d residents."), run.granted
    return text % {"name": programme.name, "n": n}


class Command(BaseCommand):
    help = "Build the synthetic Hanyang demo district (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20_000)

    def handle(self, *args, residents: int, **options):
        if residents < 1:
            raise CommandError(_("--residents must be at least 1."))
        with tqdm(total=residents, unit="人", desc="residents", disable=None) as bar:
            done = build_demo(residents, progress=lambda n: bar.update(n - bar.n))
        loaded = done["loaded"]
        if loaded is None:
            self.stdout.write(_("Demo data already present; reused it."))
        else:
            self.stdout.write(
                _("Loaded %(n)d synthetic residents in %(s).1f s.")
                % {"n": loaded.created, "s": loaded.seconds}
            )
        for run in done.get("programmes") or []:
            self.stdout.write(programme_line(run))
        self.stdout.write(
            "\n" + _("Demo logins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD}
        )
        for username, role, area in done["logins"]:
            self.stdout.write(f"  {username:<14} {role:<22} {area}")
        self.stdout.write(
            "\n"
            + _("Open311 (http://127.0.0.1:8000/open311/) demo api_key: %(key)s")
            % {"key": done["open311"]}
        )
