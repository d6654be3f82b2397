from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import calendar
from .choices import Source
from .models import Holiday
from .signals import send_schedule_changed


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]
    readonly_fields = ["source"]

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj: Holiday) -> str:
        return obj.date.strftime("%a")

    def save_model(self, request, obj: Holiday, form, change) -> None:
        obj.source = Source.EDITED
        years = {obj.date.year}
        if change and "date" in form.initial:
            years.add(form.initial["date"].year)
        super().save_model(request, obj, form, change)
        send_schedule_changed(Holiday, years)

    def delete_model(self, request, obj: Holiday) -> None:
        super().delete_model(request, obj)
        send_schedule_changed(Holiday, {obj.date.year})

    def delete_queryset(self, request, queryset) -> None:
        years = {day.year for day in queryset.values_list("date", flat=True)}
        super().delete_queryset(request, queryset)
        send_schedule_changed(Holiday, years)

    def changelist_view(self, request, extra_context=None):
        years = calendar.known_years()
        if request.method == "GET":
            if years:
                messages.info(
                    request,
                    _(
                        "Years in the calendar: %(years)s. Other years skip only the statutory "
                        "public holidays (due dates in them are provisional)."
                    )
                    % {"years": ", ".join(map(str, years))},
                )
            for warning in _year_warnings():
                messages.warning(request, f"{warning.msg} {warning.hint}")
        return super().changelist_view(request, extra_context)


def _year_warnings():
    from .checks import check_years_seeded

    return check_years_seeded()
