"""Making, revoking and using API keys."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from .models import ApiKey, digest

# Recording every use would be a write per request; once a minute tells an administrator enough.
TOUCH_EVERY = datetime.timedelta(minutes=1)


@transaction.atomic
def do_create_api_key(*, user, name: str, actor=None) -> tuple[ApiKey, str]:
    """A new key for ``user``; returns the key and its secret, which is never shown again."""
    secret = ApiKey.new_secret()
    key = ApiKey(user=user, name=name, created_by=actor)
    key.set_secret(secret)
    key.save()
    return key, secret


def do_revoke_api_keys(keys) -> int:
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_for_secret(secret: str):
    """The active user a secret stands for, or None; records the use (at most once a minute)."""
    if not secret or len(secret) > 200:
        return None
    key = ApiKey.objects.usable().select_related("user").filter(hashed=digest(secret)).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user
