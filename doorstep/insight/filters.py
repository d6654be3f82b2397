"""The ratings' filters and who sees which ratings, for the rating and rectification ledger
(feedback has no list page yet; when it gets one, both move to ``feedback`` and this ledger
uses them from there).

A rating is shown without the rater: nothing here reads the subject's resident.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.cases.filters import Tick
from doorstep.feedback.choices import BAD, Level, RectificationStatus, SubjectKind
from doorstep.feedback.models import Rating
from doorstep.staff.choices import Role
from doorstep.staff.roles import VIEW_RATINGS, reviewer_grants, roles_with, user_grants
from doorstep.staff.scoping import minimal_prefixes, prefix_q


def ratings_visible_to(user):
    """Ratings of matters in the user's areas (leads, clerks); a department reviewer, only the
    ratings of their department's decisions inside their grant's area. Nothing for anyone
    else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Rating.objects.none()
    if user.is_superuser:
        return Rating.objects.all()
    roles = set(roles_with(VIEW_RATINGS)) - {Role.REVIEWER}
    area = minimal_prefixes([code for role, code, _d in user_grants(user) if role in roles])
    q = prefix_q("subject__area_code", area) if area else Q(pk__in=[])
    for department_id, code in reviewer_grants(user):
        q |= Q(subject__department_id=department_id, subject__area_code__prefix=code)
    return Rating.objects.filter(q)


class RatingFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), field_name="subject__kind", choices=SubjectKind.choices,
        empty_label=_("Any kind"),
    )  # fmt: skip
    level = django_filters.ChoiceFilter(
        label=_("Rating"), choices=Level.choices, empty_label=_("Any rating")
    )
    bad = django_filters.BooleanFilter(
        label=_("Bad ratings only"), widget=Tick, method="filter_bad"
    )
    rectification = django_filters.ChoiceFilter(
        label=_("Rectification"), field_name="rectification__status",
        choices=RectificationStatus.choices, empty_label=_("Any"),
    )  # fmt: skip
    current = django_filters.BooleanFilter(
        label=_("Current ratings only"), widget=Tick, method="filter_current"
    )

    class Meta:
        model = Rating
        fields: list[str] = []

    def filter_bad(self, ratings, name: str, value: bool | None):
        return ratings.filter(level__in=sorted(BAD)) if value else ratings

    def filter_current(self, ratings, name: str, value: bool | None):
        return ratings.filter(current=True) if value else ratings
