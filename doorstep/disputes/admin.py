"""Disputes in the admin are read-only: every change goes through ``disputes.actions`` (and its
event log), from the dispute pages. Administrators can look, filter, and run the sweep now."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.admin import ReadOnly

from .models import Dispute, DisputeEvent


class EventInline(admin.TabularInline):
    model = DisputeEvent
    extra = 0
    fields = ["at", "actor", "kind", "verb", "from_status", "to_status", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnly):
    list_display = ["number", "type", "status", "risk", "due_on", "mediator", "area"]
    list_filter = ["status", "type", "risk", "source"]
    search_fields = ["number"]
    date_hierarchy = "registered_at"
    list_select_related = ["mediator", "area"]
    exclude = ["building"]
    inlines = [EventInline]
    actions = ["sweep_now"]

    @admin.action(description=gettext_lazy("Run the disputes sweep now"))
    def sweep_now(self, request, queryset) -> None:
        from .actions import do_sweep_disputes

        overdue, warned = do_sweep_disputes()
        self.message_user(
            request,
            _("Disputes newly overdue: %(overdue)d; court confirmation deadlines near: %(warned)d.")
            % {"overdue": overdue, "warned": warned},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and request.user.is_superuser
