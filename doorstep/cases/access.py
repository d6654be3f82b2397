"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from .models import Case


def access_case(user, pk: int) -> Case:
    """A case ``user`` may see (desk side in their areas, or a reviewer of the department it was
    forwarded to); 404 otherwise. Whether they may *act* is the action's own check."""
    case = (
        Case.objects.visible_to(user)
        .select_related("resident", "service", "version", "department", "forwarded_to", "handler")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def access_case_by_receipt(user, receipt: str) -> Case:
    case = Case.objects.visible_to(user).filter(receipt=receipt.strip().upper()[:20]).first()
    if case is None:
        raise Http404
    return case
