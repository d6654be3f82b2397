"""Checked fetches: the same 404 for "does not exist" and "not yours"."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from doorstep.core.ids import pk_or_404

from .models import Matter, ReceptionDay


def days_for(user):
    """Days in the user's areas, and the days the user receives at."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ReceptionDay.objects.none()
    return ReceptionDay.objects.filter(
        Q(pk__in=ReceptionDay.objects.visible_to(user).values("pk")) | Q(leader_id=user.pk)
    )


def matters_for(user):
    """Matters in the user's areas or assigned to their department, and those of their days."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Matter.objects.none()
    return Matter.objects.filter(
        Q(pk__in=Matter.objects.visible_to(user).values("pk")) | Q(day__leader_id=user.pk)
    )


def access_day(user, pk) -> ReceptionDay:
    day = (
        days_for(user)
        .select_related("area", "venue", "leader", "session")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if day is None:
        raise Http404
    return day


def access_matter(user, pk) -> Matter:
    matter = (
        matters_for(user)
        .select_related("day__leader", "day__area", "compound", "category", "department", "need")
        .filter(pk=pk_or_404(pk))
        .first()
    )
    if matter is None:
        raise Http404
    return matter
