"""Administrators set up desks, their weekly schedules and exceptions here."""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .actions import do_generate_sessions
from .models import Desk, DeskException, DeskSchedule, DeskSession

GENERATE_DAYS = 28


class ScheduleInline(admin.TabularInline):
    model = DeskSchedule
    extra = 0
    autocomplete_fields = ["compound"]


class ExceptionInline(admin.TabularInline):
    model = DeskException
    extra = 0
    autocomplete_fields = ["compound"]


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "area__name"]
    autocomplete_fields = ["area", "route"]
    filter_horizontal = ["services"]
    inlines = [ScheduleInline, ExceptionInline]
    actions = ["generate_sessions"]

    @admin.action(description=_("Generate sessions for the next 4 weeks"))
    def generate_sessions(self, request, queryset) -> None:
        start = timezone.localdate()
        end = start + datetime.timedelta(days=GENERATE_DAYS - 1)
        created = sum(do_generate_sessions(desk, start, end) for desk in queryset)
        self.message_user(
            request,
            ngettext("%(n)d session created.", "%(n)d sessions created.", created) % {"n": created},
            messages.SUCCESS,
        )


@admin.register(DeskSession)
class DeskSessionAdmin(admin.ModelAdmin):
    list_display = ["desk", "date", "start", "end", "compound", "status"]
    list_filter = ["status", "date"]
    date_hierarchy = "date"
    search_fields = ["desk__name", "compound__name"]
    filter_horizontal = ["staff"]
    # Hours and places shape the slots already booked; change the schedule instead.
    readonly_fields = [
        "desk",
        "date",
        "start",
        "end",
        "compound",
        "area_code",
        "slot_minutes",
        "capacity",
        "last_ticket",
        "cancel_reason",
        "cancelled_at",
        "cancelled_by",
    ]
    fields = [*readonly_fields, "status", "staff"]
