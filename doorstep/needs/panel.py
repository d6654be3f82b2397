"""The home page's needs panel: what I own, what waits for my acceptance, what is overdue."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from doorstep.staff.roles import HANDLE_NEEDS, REVIEW_CASES, REVIEW_NEEDS, VIEW_NEEDS

from .choices import RUNNING, OwnerKind
from .models import Need


def home_panel(user, profile, today=None) -> dict | None:
    """Three counts for the home page (None for staff who do not work on needs); two queries:
    what I own and what is overdue among the needs I see, and what is handed to me (or my
    department) awaiting acceptance."""
    caps = profile.capabilities
    # Department reviewers too: needs are handed to their department.
    if not ({HANDLE_NEEDS, VIEW_NEEDS, REVIEW_NEEDS, REVIEW_CASES} & caps):
        return None
    now = timezone.now()
    counts = Need.objects.visible_to(user).aggregate(
        owned=Count(
            "id", filter=Q(owner_kind=OwnerKind.USER, owner_user_id=user.pk) & ~Q(status="closed")
        ),
        overdue=Count("id", filter=Q(status__in=sorted(RUNNING), feedback_due_at__lt=now)),
    )
    counts["awaiting"] = Need.objects.awaiting(user).count()
    return counts
