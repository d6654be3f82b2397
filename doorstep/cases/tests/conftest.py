"""Case fixtures. Tests run at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai, with the
official holiday table seeded, so due dates do not depend on when the suite runs.

``service`` is a 民政 (the demo reviewer's department) matter with a 10-working-day promised
limit, at most one trip, and five materials: ID card (required, from government), disability
certificate (required, from government, satisfied by a certificate on record), application form
(required), supporting proof (may follow: 容缺) and a proxy letter (optional).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English source strings, whatever the catalogues say.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def holidays(db):
    from doorstep.workdays.seed import seed_holidays

    seed_holidays()


@dataclass
class Materials:
    id_card: object
    disability: object
    form: object
    proof: object
    proxy: object

    @property
    def required(self) -> list[int]:
        return [self.id_card.pk, self.disability.pk, self.form.pk]


@pytest.fixture
def service(personas):
    from doorstep.catalogue.actions import do_create_draft, do_publish
    from doorstep.catalogue.models import Department, Material, Service, ServiceType
    from doorstep.people.models import CertificateType

    department = Department.objects.get(code="mz")
    svc = Service.objects.create(code="mz-test", name="困难残疾人生活补贴", department=department)
    draft = do_create_draft(svc, actor=personas.admin)
    draft.promised_limit_days, draft.legal_limit_days, draft.max_trips = 10, 20, 1
    draft.type = ServiceType.objects.get_or_create(code="S01", defaults={"name": "行政给付"})[0]
    draft.places = ["compound_desk", "community", "proxy"]
    draft.save()
    disability = CertificateType.objects.get(code="disability")
    rows = [
        ("居民身份证", "required", "government", None),
        ("残疾人证", "required", "government", disability),
        ("申请表", "required", "applicant", None),
        ("相关证明材料", "later", "applicant", None),
        ("代办人身份证及委托书", "optional", "applicant", None),
    ]
    for n, (name, necessity, source, cert) in enumerate(rows):
        Material.objects.create(
            version=draft,
            position=n,
            name=name,
            type="other",
            form="paper",
            necessity=necessity,
            source=source,
            certificate_type=cert,
        )
    do_publish(draft, actor=personas.admin)
    svc.refresh_from_db()
    return svc


@pytest.fixture
def materials(service) -> Materials:
    version = service.published_version()
    return Materials(*version.materials.order_by("position"))


@pytest.fixture
def resident(make_resident):
    return make_resident("张景林")


@pytest.fixture
def make_case(personas, service, materials, resident, holidays):
    """make_case(outcome="accept", **overrides) through the real intake action."""
    from doorstep.cases.actions import do_intake

    def make(outcome: str = "accept", **kw):
        kw.setdefault("actor", personas.clerk_a)
        kw.setdefault("resident", resident)
        kw.setdefault("service", service)
        if outcome == "accept":
            kw.setdefault("provided", [*materials.required, materials.proof.pk])
        elif outcome == "accept_pending":
            kw.setdefault("provided", materials.required)
            kw.setdefault("pending", [materials.proof.pk])
            kw.setdefault("pending_deadline", TODAY + datetime.timedelta(days=5))
        elif outcome == "notice":
            kw.setdefault("provided", [materials.id_card.pk])
        elif outcome == "refuse":
            kw.setdefault("reason", "不属于本事项办理范围")
        return do_intake(outcome=outcome, **kw).case

    return make
