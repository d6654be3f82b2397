"""The demo's synthetic satisfaction: rated cases over four months at both communities, some
bad ratings (one rectified with its callback, one appealed), callbacks; built once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from doorstep.feedback.models import Appeal, Callback, Rating, Rectification, Subject

pytestmark = pytest.mark.django_db


def test_the_demo_rates_its_cases():
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    ratings = Rating.objects.filter(current=True)
    assert ratings.count() >= 30
    assert {r.level for r in ratings} == {1, 2, 3, 4, 5}
    assert Subject.objects.values("area_code").distinct().count() >= 2
    months = {r.at.strftime("%Y-%m") for r in Rating.objects.all()}
    assert len(months) >= 3
    assert Rectification.objects.filter(status="done").exists()
    assert Rectification.objects.filter(status="open").exists()
    assert Appeal.objects.filter(status="pending").exists()
    assert Callback.objects.exists()
    before = Rating.objects.count()
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    assert Rating.objects.count() == before
