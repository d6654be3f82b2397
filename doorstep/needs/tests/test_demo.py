from __future__ import annotations

import pytest

from doorstep.needs.demo import build_demo_needs
from doorstep.needs.models import ExternalBody, Need

pytestmark = pytest.mark.django_db


def test_demo_needs_in_several_states(personas, holidays, categories):
    build_demo_needs()
    statuses = set(Need.objects.values_list("status", flat=True))
    assert statuses >= {"new", "in_progress", "answered", "closed"}
    assert ExternalBody.objects.filter(kind="property").exists()
    build_demo_needs()
    assert Need.objects.count() == 6
