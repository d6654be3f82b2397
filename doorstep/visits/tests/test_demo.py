from __future__ import annotations

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from doorstep.visits.models import Visit
from doorstep.visits.queries import due_households, silent_residents


def test_the_demo_gives_grid_a_a_due_list(db):
    call_command("demo", residents=3000, stdout=StringIO(), stderr=StringIO())
    grid_a = get_user_model().objects.get(username="grid_a")
    visits = Visit.objects.count()
    assert due_households(grid_a).exists()
    assert silent_residents(grid_a).count() == 1
    call_command("demo", residents=3000, stdout=StringIO(), stderr=StringIO())
    assert Visit.objects.count() == visits
