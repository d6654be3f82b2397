"""The staff page: an administrator's accounts and role grants, in the app (not Django's admin).

Thin: lists through ``manageable_users``, single accounts through ``access_staff_user`` (404
alike for missing and not theirs), every write through ``actions``. A one-time password is shown
once, on the response to the reset, and never put in a URL, a message or a log.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import actions
from .access import access_staff_user, manageable_users
from .forms import CreateStaffForm, GrantForm, SearchForm
from .models import RoleGrant, StaffEvent
from .roles import MANAGE_STAFF, can

PAGE_SIZE = 25


def _require(user) -> None:
    if not can(user, MANAGE_STAFF):
        raise PermissionDenied


def _errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    search = SearchForm(request.GET or None)
    users = manageable_users(request.user)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    grants = RoleGrant.objects.select_related("area", "department").order_by("role", "area__code")
    users = users.prefetch_related(Prefetch("role_grants", queryset=grants)).order_by(
        "-is_active", "username"
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/list.html", {"page": page, "q": q, "search": search})


@login_required
def staff_create(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    form = CreateStaffForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = actions.do_create_staff(
                    actor=request.user,
                    username=data["username"],
                    name=data["name"],
                    password=data["password"],
                    role=data["role"],
                    area=data["area"],
                    department=data["department"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(
                    request, _("Account %(username)s created.") % {"username": user.username}
                )
                return redirect("staff-detail", pk=user.pk)
    return render(request, "staff/create.html", {"form": form}, status=status)


def _detail(request: HttpRequest, user, *, grant_form=None, status=200, **extra) -> HttpResponse:
    context = {
        "account": user,
        "grants": user.role_grants.select_related("area", "department").order_by(
            "role", "area__code"
        ),
        "grant_form": grant_form or GrantForm(actor=request.user),
        "events": StaffEvent.objects.filter(user=user).select_related("actor", "area")[:50],
        **extra,
    }
    return render(request, "staff/detail.html", context, status=status)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user)
    return _detail(request, access_staff_user(request.user, pk))


@login_required
@require_POST
def staff_grant(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user)
    user = access_staff_user(request.user, pk)
    form = GrantForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            actions.do_grant_role(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("staff-detail", pk=user.pk)
    return _detail(request, user, grant_form=form, status=400)


@login_required
@require_POST
def staff_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    _require(request.user)
    user = access_staff_user(request.user, pk)
    grant = get_object_or_404(RoleGrant, pk=grant_pk, user=user)
    try:
        actions.do_revoke_grant(actor=request.user, grant=grant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role withdrawn."))
    return redirect("staff-detail", pk=user.pk)


@login_required
@require_POST
def staff_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user)
    user = access_staff_user(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        actions.do_set_active(actor=request.user, user=user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Account enabled.") if active else _("Account disabled."))
    return redirect("staff-detail", pk=user.pk)


@never_cache
@login_required
@require_POST
def staff_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset to a one-time password, shown on this response only (no redirect carries it)."""
    _require(request.user)
    user = access_staff_user(request.user, pk)
    try:
        password = actions.do_reset_password(actor=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("staff-detail", pk=user.pk)
    return _detail(request, user, one_time_password=password)
