from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from . import lookups  # noqa: F401  (registers the lookup)
        from .checks import check_encryption_key
        from .middleware import stamp_login

        checks.register(check_encryption_key)
        user_logged_in.connect(stamp_login, dispatch_uid="core-idle-stamp")
