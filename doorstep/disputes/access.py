"""Checked fetches and who may act: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.ids import pk_or_404
from doorstep.staff.choices import Role
from doorstep.staff.roles import MEDIATE_DISPUTES, roles_with, user_grants

from .models import Dispute

DETAIL_RELATED = ("area", "building__compound", "mediator", "registered_by")


def access_dispute(user, pk, *, related: tuple[str, ...] = DETAIL_RELATED) -> Dispute:
    """A dispute ``user`` may see (``Dispute.objects.visible_to``); 404 otherwise. Whether they
    may *act* on it is ``may_mediate``, which the actions check."""
    pk = pk_or_404(pk)
    dispute = Dispute.objects.visible_to(user).select_related(*related).filter(pk=pk).first()
    if dispute is None:
        raise Http404
    return dispute


def mediating_grants(user, *, leads_only: bool) -> list[str]:
    roles = set(roles_with(MEDIATE_DISPUTES))
    if leads_only:
        roles.discard(Role.MEDIATOR)
    return [code for role, code, _d in user_grants(user) if role in roles]


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_lead(user, area_code: str) -> bool:
    """A committee lead over the area (community lead, or an administrator): may act on every
    dispute there and decide on requests for another mediator."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return any(area_code.startswith(c) for c in mediating_grants(user, leads_only=True))


def may_register(user, area_code: str) -> bool:
    """Whether ``user`` may register a dispute in the area (MEDIATE_DISPUTES over it)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return any(area_code.startswith(c) for c in mediating_grants(user, leads_only=False))


def may_mediate(user, dispute: Dispute) -> bool:
    """The assigned mediator (still mediating in the area), or a lead over the area."""
    if may_lead(user, dispute.area_code):
        return True
    return dispute.mediator_id == getattr(user, "pk", None) and may_register(
        user, dispute.area_code
    )
