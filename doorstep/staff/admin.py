from __future__ import annotations

from django.contrib import admin

from .models import StaffEvent

# Accounts and their role grants are managed on the staff page (``staff/``), scoped to the
# administrator's areas and audited; the admin site keeps Django's own user pages for superusers
# and shows the audit trail read-only.


@admin.register(StaffEvent)
class StaffEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "kind", "user", "role", "area"]
    list_filter = ["kind", "role"]
    search_fields = ["user__username", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
