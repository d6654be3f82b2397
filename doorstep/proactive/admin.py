"""Programmes in the admin are read-only: rules are validated and versioned by
``actions.do_save_programme`` (the programme pages and the API), runs and entitlements are
written only by runs and by residents' answers. Administrators can look and filter."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Entitlement, OptOut, Programme, ProgrammeRun, RuleVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # The resident's number, not their name: a list of grants decrypts no one.
    @admin.display(description=_("resident no."), ordering="resident_id")
    def resident_number(self, obj) -> int:
        return obj.resident_id


class VersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    fields = ["number", "grant_rule", "stop_rule", "created_at", "created_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnly):
    list_display = ["name", "code", "kind", "mode", "period", "version", "is_active"]
    list_filter = ["is_active", "kind", "mode", "period", "department"]
    search_fields = ["code", "name"]
    list_select_related = ["department"]
    inlines = [VersionInline]


@admin.register(ProgrammeRun)
class ProgrammeRunAdmin(ReadOnly):
    list_display = [
        "programme",
        "period",
        "status",
        "phase",
        "trigger",
        "started_by",
        "queued_at",
        "seconds",
        "granted",
        "stopped",
        "unchanged",
    ]
    list_filter = ["status", "trigger", "programme"]
    date_hierarchy = "queued_at"
    list_select_related = ["programme", "started_by"]


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnly):
    list_display = ["programme", "resident_number", "period", "status", "granted_at", "stopped_at"]
    list_filter = ["status", "programme"]
    list_select_related = ["programme"]
    raw_id_fields = ["resident", "run", "stop_run", "certificate", "case"]
    exclude = ["token"]  # the resident's key to their answer page


@admin.register(OptOut)
class OptOutAdmin(ReadOnly):
    list_display = ["programme", "resident_number", "reason", "created_at"]
    list_filter = ["reason", "programme"]
    list_select_related = ["programme"]
    raw_id_fields = ["resident"]
