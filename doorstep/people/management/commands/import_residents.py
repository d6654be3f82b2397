from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from doorstep.people.actions import do_import_residents
from doorstep.people.importer import ImportFileError


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
            raise CommandError(f"No such file: {file}")
        try:
            actor = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active staff account {username!r}.") from None
        size = file.stat().st_size
        with tqdm(unit="rows", desc=file.name, disable=None) as bar:
            try:
                _batch, result = do_import_residents(
                    file,
                    actor=actor,
                    filename=file.name,
                    valid_only=valid_rows,
                    check_only=check,
                    progress=lambda n: bar.update(n - bar.n),
                )
            except (ImportFileError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from None
        for e in result.errors[:50]:
            self.stdout.write(f"  row {e.row:>8}  {e.column}  {e.reason}")
        if len(result.errors) > 50 or result.rejected > len(result.errors):
            self.stdout.write(f"  … {result.rejected} rows rejected in all")
        verb = "written" if result.written else "NOT written"
        self.stdout.write(
            f"{result.total} rows ({size / 1e6:.1f} MB): {result.created} created, "
            f"{result.updated} updated, {result.rejected} rejected; {verb} "
            f"({result.seconds:.1f}s)."
        )
        if result.rejected and not result.written:
            raise CommandError(
                "Rows were rejected, so nothing was written. Fix them, or "
                "run again with --valid-rows to write the valid rows."
            )
