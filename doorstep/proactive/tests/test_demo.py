"""The demo's programmes: the 80+ allowance, disability certificate renewal and an offer, run
once when the demo is built and not again when it is built a second time."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from doorstep.people.models import Certificate, Resident
from doorstep.proactive.models import Entitlement, Programme, ProgrammeRun
from doorstep.rules.facts import age_on


def test_the_demo_runs_its_programmes_once(db):
    out = StringIO()
    call_command("demo", residents=2000, stdout=out, stderr=StringIO())
    today = timezone.localdate()
    programmes = {p.code: p for p in Programme.objects.all()}

    allowance = programmes["elderly-80"]
    assert (allowance.kind, allowance.mode, allowance.period) == ("grant", "notify", "monthly")
    assert "deceased" in allowance.stop_rule and "moved_out" in allowance.stop_rule
    eighty = {
        r.pk
        for r in Resident.objects.filter(status="active")
        if 80 <= age_on(r.birth_date, today) < 100
    }
    granted = set(
        Entitlement.objects.filter(programme=allowance).values_list("resident_id", flat=True)
    )
    assert eighty and granted == eighty

    renewal = programmes["disability-renewal"]
    assert renewal.kind == "renewal" and renewal.certificate_type.renewal_window_days == 365
    due = Certificate.objects.filter(
        type=renewal.certificate_type,
        resident__status="active",
        expires_on__gte=today,
        expires_on__lte=today + datetime.timedelta(days=365),
    ).count()
    opened = Entitlement.objects.filter(programme=renewal, case__isnull=False)
    assert due > 0 and opened.count() == due

    offer = programmes["alone-call-button"]
    assert offer.mode == "offer"
    assert Entitlement.objects.filter(programme=offer).exists()
    assert set(Entitlement.objects.filter(programme=offer).values_list("status", flat=True)) <= {
        "offered"
    }
    assert {r.status for r in ProgrammeRun.objects.all()} == {"done"}
    assert "elderly-80" not in out.getvalue()  # the lines name programmes, not codes
    assert allowance.name in out.getvalue()

    entitlements, runs = Entitlement.objects.count(), ProgrammeRun.objects.count()
    call_command("demo", residents=2000, stdout=StringIO(), stderr=StringIO())
    assert (Entitlement.objects.count(), ProgrammeRun.objects.count()) == (entitlements, runs)
