"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.ids import pk_or_404

from .models import Need, NeedHandoff

DETAIL_RELATED = (
    "category",
    "compound",
    "building",
    "resident",
    "created_by",
    "owner_user",
    "owner_department",
    "owner_external",
    "case",
    "dispute",
)


def access_need(user, pk) -> Need:
    """A need ``user`` may see (``Need.objects.visible_to``); 404 otherwise. Whether they may
    *act* on it is the action's own check."""
    pk = pk_or_404(pk)
    need = Need.objects.visible_to(user).select_related(*DETAIL_RELATED).filter(pk=pk).first()
    if need is None:
        raise Http404
    return need


def access_pending_handoff(user, pk) -> tuple[Need, NeedHandoff]:
    """The pending hand-on of a need ``user`` may see; 404 when there is none."""
    need = access_need(user, pk)
    handoff = (
        need.handoffs.filter(status="pending")
        .select_related("to_user", "to_department", "to_external", "by")
        .first()
    )
    if handoff is None:
        raise Http404
    handoff.need = need
    return need, handoff
