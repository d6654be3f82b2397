from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from doorstep.people.actions import do_import_residents
from doorstep.people.importer import ImportFileError


def _progress(bar: tqdm):
    """Rows checked, then (the bar starting again) rows written."""
    stages: list[str] = []

    def show(stage: str, done: int, total: int) -> None:
        if stage not in stages:
            stages.append(stage)
            if len(stages) > 1:
                bar.reset(total=total)
        bar.update(done - bar.n)

    return show


class Command(BaseCommand):
    help = (
        "Import residents from a CSV (UTF-8 or GBK) or XLSX file with Chinese headers. "
        "With any rejected row nothing is written, unless --valid-rows is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            default="admin",
            help="staff account the import is made as (default: admin)",
        )
        parser.add_argument(
            "--valid-rows",
            action="store_true",
            help="write the valid rows even when some rows are rejected",
        )
        parser.add_argument("--check", action="store_true", help="validate only, write nothing")

    def handle(self, *args, file: Path, username: str, valid_rows: bool, check: bool, **kw):
        if not file.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        try:
            actor = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(
                _("No active staff account “%(name)s”.") % {"name": username}
            ) from None
        size = file.stat().st_size
        with tqdm(unit="rows", desc=file.name, disable=None) as bar:
            try:
                _batch, result = do_import_residents(
                    file,
                    actor=actor,
                    filename=file.name,
                    valid_only=valid_rows,
                    check_only=check,
                    progress=_progress(bar),
                )
            except (ImportFileError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from None
        for e in result.errors[:50]:
            self.stdout.write(_("  row %(row)8d  %(column)s  %(reason)s") % vars(e))
        if len(result.errors) > 50 or result.rejected > len(result.errors):
            self.stdout.write(_("  … %(n)d rows rejected in all") % {"n": result.rejected})
        summary = {
            "total": result.total,
            "mb": size / 1e6,
            "created": result.created,
            "updated": result.updated,
            "rejected": result.rejected,
            "s": result.seconds,
        }
        if result.written:
            message = _(
                "%(total)d rows (%(mb).1f MB): %(created)d created, %(updated)d "
                "updated, %(rejected)d rejected; written in %(s).1f s."
            )
        else:
            message = _(
                "%(total)d rows (%(mb).1f MB): %(created)d would be created, "
                "%(updated)d updated, %(rejected)d rejected; nothing written "
                "(%(s).1f s)."
            )
        self.stdout.write(message % summary)
        if result.rejected and check:
            raise CommandError(_("Rows were rejected (checked only, nothing written)."))
        if result.rejected and not result.written:
            raise CommandError(
                _(
                    "Rows were rejected, so nothing was written. Fix them, or run again with "
                    "--valid-rows to write the valid rows."
                )
            )
