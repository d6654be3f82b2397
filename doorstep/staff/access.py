"""Which staff accounts an administrator may manage: the staff page's one scoping rule.

An administrator holding ``MANAGE_STAFF`` over areas manages the accounts whose every role grant
lies inside those areas, so a street's administrator never touches a district lead. An account
with no grant at all (new, or every role withdrawn) belongs to nobody's area: only an
administrator of a whole district (or a superuser) manages it. Superusers are managed in Django's
admin only, by superusers.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import RoleGrant
from .roles import MANAGE_STAFF
from .scoping import ALL, area_prefixes, prefix_q


def manage_prefixes(actor) -> list[str] | None:
    """Area prefixes inside which ``actor`` manages staff (``None``: everywhere)."""
    return area_prefixes(actor, MANAGE_STAFF)


def manages_district(actor) -> bool:
    """Whether ``actor`` manages staff over a whole top-level area (a district)."""
    prefixes = manage_prefixes(actor)
    if prefixes is ALL:
        return True
    from doorstep.places.models import Area

    return Area.objects.filter(code__in=prefixes, parent__isnull=True).exists()


def manageable_users(actor) -> QuerySet:
    """The accounts ``actor`` may see and change on the staff page."""
    User = get_user_model()
    prefixes = manage_prefixes(actor)
    if prefixes is not ALL and not prefixes:
        return User.objects.none()
    users = User.objects.filter(is_superuser=False)
    if prefixes is ALL:
        return users
    grants = RoleGrant.objects.filter(user=OuterRef("pk"))
    outside = grants.exclude(prefix_q("area__code", prefixes))
    users = users.exclude(Exists(outside))
    if not manages_district(actor):
        users = users.filter(Exists(grants))
    return users


def access_staff_user(actor, pk) -> object:
    """One account ``actor`` may manage; 404 alike for missing and not theirs."""
    try:
        return manageable_users(actor).get(pk=int(pk))
    except (ValueError, TypeError, get_user_model().DoesNotExist):
        raise Http404 from None


def may_grant_in(actor, code: str) -> bool:
    prefixes = manage_prefixes(actor)
    return prefixes is ALL or any(code.startswith(p) for p in prefixes)


def grantable_areas_q(actor) -> Q:
    """Areas ``actor`` may grant roles over (as a Q on Area)."""
    return prefix_q("code", manage_prefixes(actor))
