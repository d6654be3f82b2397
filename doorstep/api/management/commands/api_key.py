"""``manage.py api_key create --user U --name N``: a key for a system account, printed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from doorstep.api.actions import do_create_api_key


class Command(BaseCommand):
    help = "Create an API key for a (system) user account; the secret is printed once."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True)

    def handle(self, *args, verb: str, user: str, name: str, **options) -> None:
        owner = get_user_model().objects.filter(username=user, is_active=True).first()
        if owner is None:
            raise CommandError(f"No active user {user!r}.")
        _key, secret = do_create_api_key(user=owner, name=name)
        self.stdout.write(secret)
