from django.contrib import admin

from .models import Matter, ReceptionDay


@admin.register(ReceptionDay)
class ReceptionDayAdmin(admin.ModelAdmin):
    list_display = ("date", "start", "area", "leader_title", "mode", "status")
    list_filter = ("status", "mode")
    search_fields = ("area__name", "leader_title")
    raw_id_fields = ("area", "venue", "leader", "session", "created_by")
    readonly_fields = ("area_code", "brief_sent_at", "created_at")


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    # Matters change only through the reception pages and API (their deadlines and the need
    # they own move together): the admin reads them.
    list_display = ("id", "day", "category", "route", "department", "due_on", "petition")
    list_filter = ("route", "petition")
    raw_id_fields = ("day", "compound", "need", "department", "created_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
