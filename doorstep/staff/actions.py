"""The staff page's verbs: create an account, grant and withdraw roles, disable and enable an
account, reset its password (and the holder's own change of password, which a reset asks
for). Each checks that the actor may manage the account and the area,
writes a ``StaffEvent`` in the same transaction, and raises ``ValidationError`` with a message
an administrator understands (nothing changes then)."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import manageable_users, may_grant_in
from .choices import Role, StaffEventKind
from .models import PasswordChangeDue, RoleGrant, StaffEvent

# A one-time password: long enough to pass every validator, no look-alike characters (0/O, 1/l).
ONE_TIME_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
ONE_TIME_LENGTH = 14


def _check_manages(actor, user) -> None:
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise ValidationError(_("You may not manage this account."), code="not_yours")


def _check_not_self(actor, user) -> None:
    # An administrator's own roles are another administrator's to change: otherwise the
    # administrator role, which sees no residents, could grant itself a clerk's.
    if user.pk == actor.pk:
        raise ValidationError(_("Another administrator must change your own roles."), code="self")


def _check_grant(actor, *, role: str, area, department) -> None:
    if not may_grant_in(actor, area.code):
        raise ValidationError(
            _("You may grant roles only within your own area; %(area)s is outside it.")
            % {"area": area.name},
            code="area_outside",
        )
    if role == Role.REVIEWER and department is None:
        raise ValidationError(_("A department reviewer needs a department."), code="department")
    if role != Role.REVIEWER and department is not None:
        raise ValidationError(
            _("Only a department reviewer is granted a department."), code="department"
        )


def _log(actor, user, kind: str, *, role: str = "", area=None) -> None:
    StaffEvent.objects.create(actor=actor, user=user, kind=kind, role=role, area=area)


@transaction.atomic
def do_create_staff(
    *, actor, username: str, name: str, password: str, role: str, area, department=None
):
    """A new staff account with its first role grant (an account is created for a job)."""
    User = get_user_model()
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            _("The username %(username)s is already taken.") % {"username": username},
            code="duplicate",
        )
    _check_grant(actor, role=role, area=area, department=department)
    user = User(username=username, first_name=name.strip())
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # taken meanwhile
        raise ValidationError(
            _("The username %(username)s is already taken.") % {"username": username},
            code="duplicate",
        ) from None
    RoleGrant.objects.create(user=user, role=role, area=area, department=department)
    _log(actor, user, StaffEventKind.CREATED, role=role, area=area)
    return user


@transaction.atomic
def do_grant_role(*, actor, user, role: str, area, department=None) -> RoleGrant:
    _check_manages(actor, user)
    _check_not_self(actor, user)
    _check_grant(actor, role=role, area=area, department=department)
    if RoleGrant.objects.filter(user=user, role=role, area=area).exists():
        raise ValidationError(
            _("%(name)s already holds this role in %(area)s.")
            % {"name": user.get_full_name() or user.username, "area": area.name},
            code="duplicate_grant",
        )
    grant = RoleGrant.objects.create(user=user, role=role, area=area, department=department)
    _log(actor, user, StaffEventKind.GRANTED, role=role, area=area)
    return grant


@transaction.atomic
def do_revoke_grant(*, actor, grant: RoleGrant) -> None:
    user = grant.user
    _check_manages(actor, user)
    _check_not_self(actor, user)
    role, area = grant.role, grant.area
    grant.delete()
    _log(actor, user, StaffEventKind.REVOKED, role=role, area=area)


@transaction.atomic
def do_set_active(*, actor, user, active: bool) -> None:
    """Disable an account (it can no longer log in; its records keep its name) or enable it."""
    _check_manages(actor, user)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot disable your own account."), code="self")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    kind = StaffEventKind.ENABLED if active else StaffEventKind.DISABLED
    _log(actor, user, kind)


@transaction.atomic
def do_reset_password(*, actor, user) -> str:
    """Give the account a new random password and return it, to be shown once to the
    administrator who hands it over. Only its hash is stored; the audit says a reset happened."""
    _check_manages(actor, user)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot reset your own password here."), code="self")
    password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _i in range(ONE_TIME_LENGTH))
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordChangeDue.objects.update_or_create(user=user, defaults={"since": timezone.now()})
    _log(actor, user, StaffEventKind.PASSWORD_RESET)
    return password


@transaction.atomic
def do_change_own_password(*, user, password: str) -> None:
    """The holder sets their own new password (its old one already checked by the form): it
    must pass the validators, and any change asked for by a reset is then done."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordChangeDue.objects.filter(user=user).delete()
    _log(user, user, StaffEventKind.PASSWORD_CHANGED)


def password_change_due(user) -> bool:
    return PasswordChangeDue.objects.filter(user=user).exists()
