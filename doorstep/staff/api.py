"""Staff accounts in JSON, for the district administrator as on the staff page: list and search,
create with a first role, grant and withdraw roles, disable and enable, reset to a one-time
password (returned once). The same actions, the same scoping (404 alike for missing and not
yours), the one error shape."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.rest.errors import errors
from doorstep.core.rest.types import Bool, QueryText, text
from doorstep.places.models import Area

from . import actions
from .access import access_staff_user, manageable_users
from .choices import Role
from .models import RoleGrant
from .roles import MANAGE_STAFF, can

router = Router(tags=["staff"])
Department = RoleGrant._meta.get_field("department").related_model
LIMIT = 200


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    area: str = Field(description="The area's code.")
    area_name: str
    department: str | None = Field(description="The department's code (reviewers only).")


class StaffOut(Schema):
    id: int
    username: str
    name: str
    active: bool
    grants: list[GrantOut]


class GrantIn(Schema):
    role: text(20) = Field(description="One of: " + ", ".join(Role.values) + ".")
    area: text(15) = Field(description="The code of an area inside the caller's own.")
    department: text(20) | None = Field(None, description="Department reviewers only.")


class StaffIn(GrantIn):
    username: text(150)
    name: text(150)
    password: text(128)


class ActiveIn(Schema):
    active: Bool


class OneTimePassword(Schema):
    password: str = Field(description="Shown once; only its hash is stored.")


class StaffParams(Schema):
    q: QueryText | None = Field(None, max_length=100, description="Part of a name or username.")


def _require(user) -> None:
    if not can(user, MANAGE_STAFF):
        raise PermissionDenied


def _grant_args(data: GrantIn) -> dict:
    if data.role not in Role.values:
        raise ValidationError(
            {"role": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}},
            code="invalid",
        )
    area = Area.objects.filter(code=data.area).first()
    if area is None:
        raise ValidationError({"area": _("No area has this code.")}, code="invalid")
    department = None
    if data.department:
        department = Department.objects.filter(code=data.department).first()
        if department is None:
            raise ValidationError({"department": _("No department has this code.")}, code="invalid")
    return {"role": data.role, "area": area, "department": department}


def _grant(g: RoleGrant) -> dict:
    return {
        "id": g.pk,
        "role": g.role,
        "role_label": str(g.get_role_display()),
        "area": g.area.code,
        "area_name": g.area.name,
        "department": g.department.code if g.department else None,
    }


def _staff(user, grants=None) -> dict:
    grants = grants if grants is not None else user.role_grants.select_related("area", "department")
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name(),
        "active": user.is_active,
        "grants": [_grant(g) for g in grants],
    }


@router.get("/", response={200: list[StaffOut], **errors(401, 403)}, url_name="staff-list")
def staff_list(request: HttpRequest, params: Query[StaffParams]):
    """The accounts the caller manages (at most 200), by username."""
    _require(request.user)
    users = manageable_users(request.user)
    if params.q:
        q = params.q.strip()
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    grants = RoleGrant.objects.select_related("area", "department").order_by("role", "area__code")
    users = users.prefetch_related(Prefetch("role_grants", queryset=grants)).order_by("username")
    return [_staff(u, u.role_grants.all()) for u in users[:LIMIT]]


@router.post("/", response={201: StaffOut, **errors(401, 403, 409)}, url_name="staff-create")
def staff_create(request: HttpRequest, data: StaffIn):
    """A new account with its first role."""
    _require(request.user)
    user = actions.do_create_staff(
        actor=request.user,
        username=data.username,
        name=data.name,
        password=data.password,
        **_grant_args(data),
    )
    return Status(201, _staff(user))


@router.post("/{int:pk}/grants/", response={201: StaffOut, **errors(401, 403, 404)},
             url_name="staff-grant")  # fmt: skip
def staff_grant(request: HttpRequest, pk: int, data: GrantIn):
    _require(request.user)
    user = access_staff_user(request.user, pk)
    actions.do_grant_role(actor=request.user, user=user, **_grant_args(data))
    return Status(201, _staff(user))


@router.delete(
    "/{int:pk}/grants/{int:grant_pk}/",
    response={200: StaffOut, **errors(401, 403, 404)},
    url_name="staff-revoke",
)
def staff_revoke(request: HttpRequest, pk: int, grant_pk: int):
    _require(request.user)
    user = access_staff_user(request.user, pk)
    grant = get_object_or_404(RoleGrant, pk=grant_pk, user=user)
    actions.do_revoke_grant(actor=request.user, grant=grant)
    return _staff(user)


@router.post("/{int:pk}/active/", response={200: StaffOut, **errors(401, 403, 404)},
             url_name="staff-active")  # fmt: skip
def staff_active(request: HttpRequest, pk: int, data: ActiveIn):
    _require(request.user)
    user = access_staff_user(request.user, pk)
    actions.do_set_active(actor=request.user, user=user, active=data.active)
    return _staff(user)


@router.post("/{int:pk}/password/", response={200: OneTimePassword, **errors(401, 403, 404)},
             url_name="staff-password")  # fmt: skip
def staff_password(request: HttpRequest, pk: int):
    """Reset to a one-time password, returned in this response only."""
    _require(request.user)
    user = access_staff_user(request.user, pk)
    return {"password": actions.do_reset_password(actor=request.user, user=user)}
