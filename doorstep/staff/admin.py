from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import RoleGrant


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    raw_id_fields = ["area"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffAdmin(UserAdmin):
    inlines = [RoleGrantInline]
