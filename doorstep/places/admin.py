from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .buildings import merge_split_buildings
from .models import Area, Building, Grid, Household


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "phone"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    # The centre's two coordinates on one line: they are entered together, from one GPS reading.
    fields = ["code", "name", "kind", "parent", "address", ("lat", "lng"), "hours", "phone"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["compound", "number"]
    search_fields = ["compound__name", "number"]
    raw_id_fields = ["compound"]
    actions = ["merge_split"]

    @admin.action(
        description=gettext_lazy("Merge buildings spelled differently in these compounds"),
        permissions=["change"],
    )
    def merge_split(self, request, queryset) -> None:
        compounds = Area.objects.filter(pk__in=queryset.values("compound_id"))
        result = merge_split_buildings(compounds)
        self.message_user(
            request,
            _("%(merged)d buildings merged and %(renamed)d renamed; %(joined)d households joined.")
            % {
                "merged": result.buildings_merged,
                "renamed": result.buildings_renamed,
                "joined": result.households_merged,
            },
            messages.SUCCESS,
        )


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["building", "room"]
    raw_id_fields = ["building"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    raw_id_fields = ["community"]
    filter_horizontal = ["buildings", "workers"]
