from __future__ import annotations

import pytest

from doorstep.reception.choices import Stage
from doorstep.reception.demo import build_demo_reception
from doorstep.reception.models import Matter, ReceptionDay

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_demo_reception_days_and_matters_in_several_stages(setup):
    build_demo_reception()
    assert ReceptionDay.objects.count() == 4  # today, two more months, and a week from now
    stages = {m.stage(TODAY) for m in Matter.objects.select_related("need")}
    assert stages == {Stage.CLOSED, Stage.ASSIGNED, Stage.ACCEPTED, Stage.REFERRED}
    build_demo_reception()
    assert Matter.objects.count() == 4
