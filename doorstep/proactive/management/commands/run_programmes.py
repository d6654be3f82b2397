"""Run the active proactive programmes: grant, stop, open renewal cases and notify, once per
resident and period. For cron or a systemd timer (daily is right for monthly programmes):
running it twice, or in two processes at once, grants and notifies nobody twice. Prints one
line per programme; exits non-zero when a run failed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doorstep.core.commandline import iso_date
from doorstep.proactive.actions import UnknownProgrammes, preview, run_programmes
from doorstep.proactive.models import Programme
from doorstep.proactive.runs import RunError


class Command(BaseCommand):
    help = (
        "Run the active proactive programmes (or those named): stop, grant, open renewal "
        "cases and write the residents' notifications. --dry-run only counts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--programme",
            action="append",
            dest="codes",
            metavar="CODE",
            help="run only this programme (repeat for more)",
        )
        parser.add_argument(
            "--date", default=None, help="scan as if today were this date (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what a run would do; write nothing"
        )

    def handle(self, *args, codes=None, date=None, dry_run=False, **options) -> None:
        on = iso_date(date) if date else None
        if dry_run:
            failed = self._preview(codes, on)
        else:
            try:
                runs = run_programmes(on=on, codes=codes)
            except UnknownProgrammes as exc:
                raise CommandError(str(exc)) from None
            for run in runs:
                self.stdout.write(self._line(run))
            failed = sum(1 for run in runs if run.status != "done")
        if failed:
            raise CommandError(_("%(count)d of the programmes failed.") % {"count": failed})

    def _line(self, run) -> str:
        values = {
            "code": run.programme.code,
            "period": run.period,
            "granted": run.granted,
            "stopped": run.stopped,
            "unchanged": run.unchanged,
            "cases": run.cases_opened,
            "notified": run.notified,
            "seconds": run.seconds,
            "error": run.error,
        }
        if run.status != "done":
            return _("%(code)s %(period)s: FAILED after %(seconds).2f s: %(error)s") % values
        return (
            _(
                "%(code)s %(period)s: granted %(granted)d, stopped %(stopped)d, unchanged "
                "%(unchanged)d, cases opened %(cases)d, notified %(notified)d "
                "(%(seconds).2f s)"
            )
            % values
        )

    def _preview(self, codes, on) -> int:
        from doorstep.rules import rules

        programmes = Programme.objects.filter(is_active=True).order_by("code")
        if codes:
            programmes = programmes.filter(code__in=codes)
            missing = sorted(set(codes) - set(programmes.values_list("code", flat=True)))
            if missing:
                raise CommandError(str(UnknownProgrammes(missing)))
        failed = 0
        for programme in programmes:
            try:
                result = preview(programme, on=on, sample=0)
            except (RunError, rules.RuleError, ValidationError) as exc:
                failed += 1
                error = " ".join(getattr(exc, "messages", None) or [str(exc)])
                self.stdout.write(
                    _("%(code)s: cannot run: %(error)s") % {"code": programme.code, "error": error}
                )
                continue
            self.stdout.write(
                _(
                    "%(code)s %(period)s (dry run): would grant %(granted)d, stop %(stopped)d, "
                    "leave %(unchanged)d unchanged; %(opted_out)d opted out"
                )
                % {
                    "code": programme.code,
                    "period": result.period,
                    "granted": result.granted,
                    "stopped": result.stopped,
                    "unchanged": result.unchanged,
                    "opted_out": result.opted_out,
                }
            )
        return failed
