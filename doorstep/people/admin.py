from __future__ import annotations

from django.contrib import admin

from .models import AccessLog, Certificate, CertificateType, ImportBatch, Resident, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "description"]
    search_fields = ["name", "code"]


@admin.register(CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "issuer", "validity_years"]


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    """Read-mostly: ID numbers stay encrypted and masked here too; edits go through the
    registry screens, which validate and log."""

    list_display = ["name", "id_masked", "sex", "birth_date", "area", "status"]
    list_filter = ["status", "sex", "tags"]
    search_fields = ["name", "name_initials", "name_pinyin"]
    readonly_fields = [
        "name",
        "id_masked",
        "birth_date",
        "sex",
        "phone_masked",
        "area",
        "household",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields, "status", "note"]
    inlines = [CertificateInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "resident", "detail"]
    list_filter = ["action"]
    raw_id_fields = ["resident", "actor"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "actor",
        "filename",
        "status",
        "total",
        "created",
        "updated",
        "rejected",
    ]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
