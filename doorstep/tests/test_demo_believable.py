"""The demo is believable: communities of different sizes, some centenarians (the centenarian
allowance grants to someone), and case dates that match their receipt numbers (a receipt number
begins with the day the case was taken in), in the messages that quote them too. `make demo`
runs a task worker and the outbox sweep beside the server, so messages are delivered."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo():
    with time_machine.travel(TODAY, tick=False):
        call_command("demo", residents=1500, stdout=StringIO(), stderr=StringIO())
        yield


def test_communities_differ_in_size_and_some_residents_are_centenarians(demo):
    from doorstep.people.models import Resident
    from doorstep.places.models import Area

    sizes = Counter(code[:12] for code in Resident.objects.values_list("area_code", flat=True))
    communities = Area.objects.filter(kind="community").count()
    assert sum(sizes.values()) == 1500  # as many as asked for
    assert len(sizes) == communities  # every community has residents
    assert max(sizes.values()) >= 3 * min(sizes.values())
    median = sorted(sizes.values())[len(sizes) // 2]
    assert sizes["420105006001"] >= 2 * median  # 七里一村, an old and crowded one
    hundred = TODAY.date().replace(year=TODAY.year - 100)
    assert Resident.objects.filter(birth_date__lte=hundred, status="active").count() >= 3


def test_the_centenarian_allowance_is_granted_to_someone(demo):
    from doorstep.proactive.models import Entitlement

    assert Entitlement.objects.filter(programme__code="elderly-100").count() >= 3


def test_case_dates_match_their_receipt_numbers(demo):
    from doorstep.cases.models import Case
    from doorstep.notify.models import Message

    cases = list(Case.objects.all())
    assert len(cases) >= 20
    back_dated = 0
    for case in cases:
        day = timezone.localdate(case.created_at)
        assert case.receipt.startswith(f"{day:%Y%m%d}-"), (case.receipt, day)
        if case.accepted_on:
            assert case.receipt.startswith(f"{case.accepted_on:%Y%m%d}-")
        first = case.events.order_by("at").first()
        assert first is None or timezone.localdate(first.at) == day
        back_dated += day < TODAY.date()
    assert back_dated >= 10
    for case in cases:
        for body in Message.objects.filter(body__contains=case.receipt).values_list(
            "body", flat=True
        ):
            if case.due_on and "办结" in body and "前办结" in body:
                assert f"{case.due_on:%Y-%m-%d}" in body, (case.receipt, body)
    # messages quote the receipt numbers the cases now have
    receipts = {c.receipt for c in cases}
    quoted = Message.objects.filter(body__contains="-").values_list("body", flat=True)
    stale = [b for b in quoted if f"{TODAY:%Y%m%d}-" in b and not any(r in b for r in receipts)]
    assert not stale


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_runs_a_task_worker_and_the_outbox_sweep():
    plan = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "manage.py db_worker" in plan
    assert "manage.py deliver_messages" in plan
    assert "manage.py runserver" in plan
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: export DOORSTEP_TASKS = database" in makefile
