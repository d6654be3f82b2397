"""Cases in the admin are read-only: every change goes through ``cases.actions`` (and its event
log), from the case pages. Administrators can look, filter, and run the overdue sweep now."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Case, CaseEvent, Extension, RemoteApplication


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["at", "actor", "kind", "verb", "from_status", "to_status", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0
    fields = ["days", "reason", "status", "requested_by", "requested_at", "decided_by",
              "decided_at", "note", "due_was", "due_after"]  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ["receipt", "service", "status", "due_on", "trips", "max_trips", "handler"]
    list_filter = ["status", "department", "forwarded_to", "supervised"]
    search_fields = ["receipt"]
    date_hierarchy = "created_at"
    list_select_related = ["service", "handler"]
    raw_id_fields = ["resident"]
    inlines = [ExtensionInline, EventInline]
    actions = ["sweep_now"]

    @admin.action(description=_("Mark newly overdue cases now (the overdue sweep)"))
    def sweep_now(self, request, queryset) -> None:
        from .actions import do_sweep_overdue

        marked = do_sweep_overdue()
        self.message_user(
            request,
            ngettext(
                "%(count)d case newly overdue.",
                "%(count)d cases newly overdue.",
                marked,
            )
            % {"count": marked},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # Actions need the changelist's action form; the objects themselves stay read-only.
        return obj is None and request.user.is_superuser


@admin.register(RemoteApplication)
class RemoteApplicationAdmin(ReadOnly):
    """Applications from other systems, to look at: the applicant's contact stays encrypted
    (the clerk's page shows it masked, and the full number only by a logged reveal)."""

    list_display = ["token", "service", "area_code", "status", "filed_at", "filed_by"]
    list_filter = ["status"]
    search_fields = ["token"]
    date_hierarchy = "filed_at"
    list_select_related = ["service", "filed_by"]
    exclude = ["contact_cipher"]
    raw_id_fields = ["case"]
