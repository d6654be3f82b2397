"""Needs in the admin: categories (feedback times) and outside bodies are data administrators
edit; needs themselves are read-only here (every change goes through ``needs.actions`` and its
event log, from the need pages), with the escalation sweep to run now."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ExternalBody, GovernanceItem, Need, NeedCategory, NeedEvent


@admin.register(NeedCategory)
class NeedCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "limit", "unit", "department", "position", "public", "active"]
    list_editable = ["limit", "unit", "department", "position", "public", "active"]
    list_filter = ["public", "active"]
    list_select_related = ["department"]


@admin.register(ExternalBody)
class ExternalBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "phone", "email", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["area"]


class EventInline(admin.TabularInline):
    model = NeedEvent
    extra = 0
    fields = ["at", "actor", "actor_name", "kind", "verb", "from_status", "to_status", "level"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["id", "category", "status", "level", "feedback_due_at", "owner_kind"]
    list_filter = ["status", "level", "category", "kind", "source"]
    date_hierarchy = "created_at"
    list_select_related = ["category"]
    inlines = [EventInline]
    actions = ["escalate_now"]
    exclude = ["raiser_phone"]

    @admin.action(description=_("Escalate overdue needs now (the escalation sweep)"))
    def escalate_now(self, request, queryset) -> None:
        from .actions import do_escalate_needs

        moved = do_escalate_needs()
        self.message_user(
            request,
            ngettext("%(count)d need escalated.", "%(count)d needs escalated.", moved)
            % {"count": moved},
            messages.SUCCESS,
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and request.user.is_superuser


@admin.register(GovernanceItem)
class GovernanceItemAdmin(admin.ModelAdmin):
    list_display = ["compound", "category", "needs_count", "created_at", "status"]
    list_filter = ["status", "category"]
    readonly_fields = ["category", "area_code", "compound", "needs_count", "window_start"]
