"""The programmes benchmark (``doorstep/bench/programmes.py``) at its smallest size: the registry
builds on this database, and the runs as the product does them and as the benchmark's
hand-written SQL does them write the same rows — so ``make bench`` compares like with like."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_floor_and_product_write_the_same_rows(tmp_path):
    from doorstep.bench import programmes, programmes_data
    from doorstep.bench.context import Context
    from doorstep.demo import create_personas
    from doorstep.people.demo import seed_reference_data
    from doorstep.people.models import Resident
    from doorstep.places.demo import build_places
    from doorstep.proactive.models import Entitlement, Programme

    build_places()
    seed_reference_data()
    create_personas()
    ctx = Context(scale=0.001, data_dir=tmp_path, database=connection.vendor)
    on = timezone.localdate()
    ids = programmes_data.build(ctx, on, analyze=False)
    built = programmes_data.describe()
    assert built["residents"] == ctx.residents == 1000
    assert built["tags"] and built["certificates"] and built["entitlements"]

    # One programme of each shape (a quarter of the time of all twenty).
    shapes = ["elderly-80", "elderly-90", "disability-renewal", "alone-call-button",
              "empty-nest-visit", "pilot-long-care"]  # fmt: skip
    Programme.objects.exclude(code__in=shapes).update(is_active=False)
    # At this size the registry may hold no dead holder of last month's grants (who is dead
    # follows the ids, which depend on the tests before): make one, so stopping is exercised.
    held = (
        Entitlement.objects.filter(programme__code__in=shapes, status="granted")
        .order_by("pk")
        .first()
    )
    Resident.objects.filter(pk=held.resident_id).update(status="deceased")
    out = programmes.child_measure(
        on=on.isoformat(), ids=ids, residents=ctx.residents, settle=False
    )

    assert "mismatch" not in out, out.get("mismatch")
    first, second = out["product1_per"], out["product2_per"]
    assert sorted(first) == sorted(out["floor1_per"]) == sorted(shapes)
    assert sum(r["granted"] for r in first.values()) > 50
    assert sum(r["stopped"] for r in first.values()) > 0  # last month's grants of the dead
    assert sum(r["cases_opened"] for r in first.values()) > 0
    # Nothing changed: the second run grants, stops and notifies nobody.
    assert not any(r["granted"] or r["stopped"] or r["notified"] for r in second.values())
    assert out["python"]["residents"] == 1000
