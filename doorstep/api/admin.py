from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .actions import do_revoke_api_keys
from .models import ApiKey, Open311Attribute


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A key's owner never changes: a new system gets a new key.
        return [*self.readonly_fields, "user"] if obj else self.readonly_fields

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if not change:
            secret = ApiKey.new_secret()
            obj.set_secret(secret)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("The key for %(name)s is %(secret)s — copy it now: it is not shown again.")
                % {"name": obj.name, "secret": secret},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset) -> None:
        count = do_revoke_api_keys(queryset)
        self.message_user(request, _("Revoked %(n)d keys.") % {"n": count})


@admin.register(Open311Attribute)
class Open311AttributeAdmin(admin.ModelAdmin):
    """The questions Open311 clients ask for a need category or a matter."""

    list_display = ["code", "need_category", "service", "datatype", "required", "order"]
    list_filter = ["datatype", "required", "need_category"]
    search_fields = ["code", "description", "service__name", "need_category__name"]
    raw_id_fields = ["service"]
    fields = [
        "need_category",
        "service",
        "code",
        "description",
        "datatype",
        "datatype_description",
        "required",
        "order",
        "values",
    ]
