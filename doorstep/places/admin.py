from django.contrib import admin

from .models import Area, Building, Grid, Household


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["compound", "number"]
    search_fields = ["compound__name", "number"]
    raw_id_fields = ["compound"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["building", "room"]
    raw_id_fields = ["building"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    raw_id_fields = ["community"]
    filter_horizontal = ["buildings", "workers"]
