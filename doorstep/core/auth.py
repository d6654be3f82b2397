"""Django's model backend, with the user read that every staff request makes compiled once
(``core.prepared``). Same checks: an inactive user is nobody."""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model

from .prepared import Prepared, int_marker


def _by_pk(variant, pk):
    return get_user_model()._default_manager.filter(pk=pk)


_USER = Prepared(_by_pk, (int_marker(),))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except Exception:
            return None
        found = _USER.run(pk)
        return found[0] if found and self.user_can_authenticate(found[0]) else None
