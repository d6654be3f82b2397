"""Load the SAMPLE catalogue (``sample.py``) through the real actions. Safe to run again:
services whose code already exists are left as they are (an administrator may have edited them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from doorstep.people.models import CertificateType

from . import sample
from .actions import do_create_draft, do_publish
from .choices import CaseType
from .models import FAQ, Department, LifeEvent, Material, Service, ServiceType


@dataclass
class Loaded:
    created: int
    existing: int


def _reference_data() -> tuple[dict, dict, dict]:
    departments = {
        code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in sample.DEPARTMENTS
    }
    types = {
        code: ServiceType.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in sample.TYPES
    }
    events = {
        code: LifeEvent.objects.get_or_create(code=code, defaults={"name": name, "position": i})[0]
        for i, (code, name) in enumerate(sample.LIFE_EVENTS)
    }
    return departments, types, events


def _material(version, position: int, key: str, service_name: str, certificates: dict) -> Material:
    name, mtype, form, originals, copies, necessity, source, how = sample.MATERIALS[key]
    if key == "form" and len(service_name) <= 12:
        name = f"{service_name}申请表"
    return Material(
        version=version,
        position=position,
        name=name,
        type=mtype,
        form=form,
        originals=originals,
        copies=copies,
        necessity=necessity,
        source=source,
        how_to_fill=how,
        certificate_type=certificates.get(sample.CERTIFICATE_OF.get(key)),
    )


def _create(row: tuple, departments, types, events, certificates, actor) -> None:
    code, dept, name, tcode, case, legal, promised, trips, places, evs, mats, fee, words = row
    service = Service.objects.create(
        code=code, name=name, department=departments[dept], keywords=words
    )
    draft = do_create_draft(service, actor=actor)
    draft.type = types[tcode]
    draft.case_type = CaseType.ON_THE_SPOT if case == "J" else CaseType.PROMISED
    draft.legal_limit_days, draft.promised_limit_days, draft.max_trips = legal, promised, trips
    if fee is not None:
        draft.fee_free, draft.fee_amount, draft.fee_basis = False, fee[0], fee[1]
    draft.purpose = f"为符合条件的居民办理“{name}”。（示例内容）"
    draft.eligibility = sample.ELIGIBILITY[dept]
    draft.conditions = "材料齐全、符合法定形式。（示例内容）"
    draft.steps = sample.STEPS[case]
    draft.places = [sample.PLACES[p] for p in places]
    draft.enquiry_phone = sample.ENQUIRY_PHONE
    draft.save()
    draft.life_events.set([events[e] for e in evs.split()])
    keys = mats.split() + (["proxy"] if "p" in places and len(mats.split()) < 5 else [])
    Material.objects.bulk_create(
        _material(draft, i, k, name, certificates) for i, k in enumerate(keys)
    )
    FAQ.objects.bulk_create(
        FAQ(version=draft, position=i, question=q, answer=a)
        for i, (q, a) in enumerate(sample.FAQS[case])
    )
    do_publish(draft, actor=actor)


@transaction.atomic
def load_catalogue(*, actor=None, rows: list[tuple] | None = None) -> Loaded:
    """Create the sample departments, types, life events and services that are missing."""
    departments, types, events = _reference_data()
    certificates = {t.code: t for t in CertificateType.objects.all()}
    rows = sample.SERVICES if rows is None else rows
    have = set(Service.objects.filter(code__in=[r[0] for r in rows]).values_list("code", flat=True))
    for row in rows:
        if row[0] not in have:
            _create(row, departments, types, events, certificates, actor)
    return Loaded(created=len(rows) - len(have), existing=len(have))
