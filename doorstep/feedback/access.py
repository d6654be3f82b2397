"""Checked fetches: the same 404 for "does not exist" and "not yours". Everything a member of
staff sees of satisfaction goes through ``subjects_for``."""

from __future__ import annotations

from django.http import Http404

from doorstep.core.ids import pk_or_404

from .models import Appeal, Rectification, Subject


def subjects_for(user):
    return Subject.objects.visible_to(user)


def rectifications_for(user):
    return Rectification.objects.filter(rating__subject__in=subjects_for(user))


def appeals_for(user):
    return Appeal.objects.filter(rating__subject__in=subjects_for(user))


def _one(queryset, pk):
    found = queryset.filter(pk=pk_or_404(pk)).first()
    if found is None:
        raise Http404
    return found


def access_subject(user, pk) -> Subject:
    return _one(subjects_for(user).select_related("service", "department"), pk)


def access_rectification(user, pk) -> Rectification:
    return _one(
        rectifications_for(user).select_related(
            "rating__subject__service", "rating__subject__resident", "owner", "callback"
        ),
        pk,
    )


def access_appeal(user, pk) -> Appeal:
    return _one(appeals_for(user).select_related("rating__subject", "filed_by"), pk)
