"""The ``doorstep`` command: Django's management commands under the project's own name,
so that ``doorstep demo`` and ``doorstep import-residents FILE`` work from anywhere."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # import-residents -> import_residents
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
