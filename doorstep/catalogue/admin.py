"""The catalogue in Django admin, for administrators: drafts are edited here; published and
retired versions are shown read-only; "new draft" and "publish" go through the actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import pdf
from .actions import do_create_draft, do_publish
from .choices import Place, VersionStatus
from .models import (
    FAQ,
    Department,
    LifeEvent,
    Material,
    Service,
    ServiceChange,
    ServiceType,
    ServiceVersion,
    Synonym,
)

SAMPLE_NOTE = gettext_lazy(
    "Sample list of matters: each district should adapt it to local practice."
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Words residents use for the same thing; the public search reads them on every search."""

    list_display = ["words"]
    search_fields = ["words"]


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    list_editable = ["position"]


class ReadOnlyWhenFixed:
    """Inline rows of a published or retired version cannot be added, changed or deleted."""

    def _fixed(self, obj) -> bool:
        return obj is not None and obj.status != VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_delete_permission(request, obj)


class MaterialInline(ReadOnlyWhenFixed, admin.StackedInline):
    model = Material
    extra = 0
    fields = [
        ("position", "name", "type", "form"),
        ("originals", "copies", "necessity", "source"),
        ("blank_form", "sample"),
        "how_to_fill",
    ]


class FAQInline(ReadOnlyWhenFixed, admin.TabularInline):
    model = FAQ
    extra = 0


class VersionForm(forms.ModelForm):
    places = forms.MultipleChoiceField(
        label=gettext_lazy("where it can be done"),
        choices=Place.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ServiceVersion
        fields = [
            "type",
            "case_type",
            "legal_limit_days",
            "promised_limit_days",
            "fee_free",
            "fee_amount",
            "fee_basis",
            "purpose",
            "eligibility",
            "conditions",
            "steps",
            "places",
            "max_trips",
            "enquiry_phone",
            "life_events",
        ]


@admin.register(ServiceVersion)
class ServiceVersionAdmin(admin.ModelAdmin):
    form = VersionForm
    list_display = ["service", "number", "status", "published_at", "published_by"]
    list_filter = ["status", "service__department"]
    search_fields = ["service__name", "service__code", "service__name_pinyin"]
    list_select_related = ["service", "published_by"]
    inlines = [MaterialInline, FAQInline]
    readonly_fields = ["service", "number", "status", "published_at", "published_by"]
    filter_horizontal = ["life_events"]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # a version starts as a draft from its service ("new draft")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False  # shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=gettext_lazy("Publish the selected drafts"))
    def publish(self, request, queryset):
        for version in queryset.select_related("service"):
            try:
                do_publish(version, actor=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{version.service}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, _("Published %(v)s.") % {"v": version})


class VersionInline(admin.TabularInline):
    model = ServiceVersion
    fields = ["number", "status", "published_at", "published_by"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "is_active"]
    list_filter = ["department", "is_active"]
    search_fields = ["code", "name", "name_pinyin", "name_initials", "keywords"]
    list_select_related = ["department"]
    inlines = [VersionInline]
    actions = ["new_draft"]

    @admin.action(description=gettext_lazy("New draft from the published version"))
    def new_draft(self, request, queryset):
        for service in queryset:
            try:
                draft = do_create_draft(service, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{service}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Created %(v)s.") % {"v": draft})

    def changelist_view(self, request, extra_context=None):
        reason = pdf.problem()
        if reason:
            self.message_user(request, reason, messages.WARNING)
        extra_context = {**(extra_context or {}), "subtitle": SAMPLE_NOTE}
        return super().changelist_view(request, extra_context)


@admin.register(ServiceChange)
class ServiceChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "service", "version", "actor"]
    list_filter = ["action"]
    list_select_related = ["service", "version__service", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
