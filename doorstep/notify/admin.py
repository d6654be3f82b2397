from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import InboxItem, Message
from .outbox import retry_messages


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: messages change only through delivery and the retry action."""

    list_display = ["created_at", "channel", "address", "template", "status", "attempts"]
    list_filter = ["status", "channel", "template"]
    search_fields = ["address", "idempotency_key"]
    date_hierarchy = "created_at"
    list_select_related = ["resident"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Retry failed and dead messages"), permissions=["change"]
    )
    def retry(self, request, queryset) -> None:
        count = retry_messages(queryset)
        self.message_user(request, _("%(count)d messages queued again.") % {"count": count})


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    """Staff inboxes, read-only: items are posted by the apps and read by their recipients."""

    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
