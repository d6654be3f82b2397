"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.ids import pk_or_404
from doorstep.people.access import access_resident
from doorstep.staff.roles import HANDLE_CASES
from doorstep.staff.scoping import covers

from .models import Case, RemoteApplication


def access_intake_resident(user, pk):
    """A resident whose matters ``user`` may take in: seen by them and inside the areas where
    they handle cases. Anyone else's resident is a 404, like a missing one. The intake page and
    the API both ask this."""
    pk = pk_or_404(pk)
    resident = access_resident(user, pk, related=())  # intake reads the resident's own row
    if not covers(user, HANDLE_CASES, resident.area_code):
        raise Http404
    return resident


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


def access_application(user, pk) -> RemoteApplication:
    """An application from another system for a compound in ``user``'s areas (where they view
    or handle cases); 404 alike for missing and not theirs."""
    application = (
        RemoteApplication.objects.visible_to(user)
        .select_related("service__department", "compound", "filed_by", "decided_by", "case")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if application is None:
        raise Http404
    return application
