from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from doorstep.disputes.models import Dispute


def test_the_demo_has_disputes_in_several_states(db):
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    disputes = list(Dispute.objects.all())
    assert {d.status for d in disputes} >= {
        "registered",
        "in_mediation",
        "agreement",
        "no_agreement",
        "closed",
    }
    assert any(d.is_overdue() for d in disputes)
    assert all(d.mediator.username == "mediator_a" for d in disputes)
    call_command("demo", residents=300, stdout=StringIO(), stderr=StringIO())
    assert Dispute.objects.count() == len(disputes)
