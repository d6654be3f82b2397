from django.contrib import admin

from .actions import do_remove_visit_rule, do_set_visit_rule
from .models import Visit, VisitEvent, VisitFinding, VisitRule


@admin.register(VisitRule)
class VisitRuleAdmin(admin.ModelAdmin):
    """Rules changed here go through the same actions (and leave the same events) as the
    rules page."""

    list_display = ["tag", "interval_days", "silence_days", "updated_at", "updated_by"]
    fields = ["tag", "interval_days", "silence_days"]

    def save_model(self, request, obj, form, change):
        saved = do_set_visit_rule(
            actor=request.user,
            tag=obj.tag,
            interval_days=obj.interval_days,
            silence_days=obj.silence_days,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        do_remove_visit_rule(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset.select_related("tag"):
            do_remove_visit_rule(rule, actor=request.user)


class FindingInline(admin.TabularInline):
    model = VisitFinding
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "description", "count"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Read-only: visits are written only by the grid worker's page and the API."""

    list_display = ["visited_at", "household", "worker", "outcome", "purpose"]
    list_filter = ["outcome", "purpose"]
    list_select_related = ["household__building__compound", "worker"]
    inlines = [FindingInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VisitEvent)
class VisitEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "actor", "visit"]
    list_filter = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
