from django.contrib import admin

from .models import LedgerExport, LedgerFeed


@admin.register(LedgerExport)
class LedgerExportAdmin(admin.ModelAdmin):
    """The export log, read-only: who exported which ledger, when, with what, how many rows."""

    list_display = ("at", "user", "ledger", "split", "rows", "bytes", "via")
    list_filter = ("ledger", "via")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerFeed)
class LedgerFeedAdmin(admin.ModelAdmin):
    """Feed links, read-only here (their owners make and revoke them): never the secret."""

    list_display = ("name", "owner", "ledger", "created_at", "last_fetched_at", "revoked_at")
    exclude = ("hashed",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
