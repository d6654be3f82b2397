from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from doorstep.cases.choices import Clock
from doorstep.cases.models import Case


def test_the_demo_has_cases_in_every_colour_and_state(db):
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    cases = list(Case.objects.all())
    assert {c.status for c in cases} >= {
        "accepted",
        "awaiting_materials",
        "forwarded",
        "returned",
        "completed",
        "refused",
    }
    today = timezone.localdate()
    assert {c.clock(today) for c in cases} >= {Clock.GREEN, Clock.YELLOW, Clock.RED, Clock.PAUSED}
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    assert Case.objects.count() == len(cases)
