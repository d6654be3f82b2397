"""Who sees which cases: the desk and leads by area, reviewers by department (and area), and
nobody else. ``access_case`` answers 404 alike for missing and not-yours."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from doorstep.cases.access import access_case
from doorstep.cases.actions import do_transition
from doorstep.cases.models import Case

SEES = {
    "clerk_a": True,
    "street_lead": True,
    "district_lead": True,
    "admin": True,
    "clerk_b": False,
    "grid_a": False,
    "outsider": False,
    "reviewer": False,  # not forwarded yet
}


@pytest.mark.parametrize(("who", "sees"), SEES.items())
def test_visible_to(make_case, personas, frozen, who, sees):
    case = make_case("accept")
    user = getattr(personas, who)
    assert Case.objects.visible_to(user).filter(pk=case.pk).exists() is sees
    if sees:
        assert access_case(user, case.pk) == case
    else:
        with pytest.raises(Http404):
            access_case(user, case.pk)


def test_anonymous_sees_nothing(make_case, frozen):
    make_case("accept")
    assert not Case.objects.visible_to(AnonymousUser()).exists()


def test_a_missing_case_is_the_same_404(personas, db):
    with pytest.raises(Http404):
        access_case(personas.clerk_a, 999999)


def test_the_reviewer_sees_a_case_once_forwarded_to_the_department(make_case, personas, frozen):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    assert access_case(personas.reviewer, case.pk) == case
    # ... and still sees it after deciding (the department's own record).
    do_transition(case, "approve", actor=personas.reviewer)
    assert Case.objects.visible_to(personas.reviewer).filter(pk=case.pk).exists()


def test_the_reviewer_does_not_see_cases_of_another_department(make_case, personas, frozen):
    from doorstep.catalogue.models import Department

    case = make_case("accept")
    do_transition(
        case,
        "forward",
        actor=personas.clerk_a,
        department=Department.objects.create(code="cl", name="残联"),
    )
    with pytest.raises(Http404):
        access_case(personas.reviewer, case.pk)


def test_a_reviewer_grant_is_bounded_by_its_area(make_case, personas, frozen, django_user_model):
    from doorstep.catalogue.models import Department
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    elsewhere = django_user_model.objects.create_user("reviewer_b", password="pw")
    RoleGrant.objects.create(
        user=elsewhere,
        role=Role.REVIEWER,
        area=personas.area_b,
        department=Department.objects.get(code="mz"),
    )
    assert not Case.objects.visible_to(elsewhere).exists()


def test_a_department_only_belongs_on_a_reviewer_grant(personas):
    from django.db import IntegrityError, transaction

    from doorstep.catalogue.models import Department
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            user=personas.outsider,
            role=Role.CLERK,
            area=personas.area_a,
            department=Department.objects.get(code="mz"),
        )
