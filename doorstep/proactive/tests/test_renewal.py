"""Renewal programmes (无感续证): an accepted case per certificate expiry inside its type's
renewal window, opened once, set-based, with its receipt, clock and event."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from doorstep.cases.models import Case, CaseEvent
from doorstep.notify.models import Message
from doorstep.people.models import Resident
from doorstep.proactive import actions
from doorstep.proactive.choices import EntitlementStatus, RunStatus
from doorstep.proactive.models import Entitlement, ProgrammeRun
from doorstep.proactive.tests.conftest import SHANGHAI, TODAY

S = EntitlementStatus
RULE = 'status == "active"'


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def published(personas, department, holidays):
    """A 民政 matter with a published version: 10 working days, at most one trip."""
    from doorstep.catalogue.actions import do_create_draft, do_publish
    from doorstep.catalogue.models import Material, Service, ServiceType

    service = Service.objects.create(code="cjrz-hz", name="残疾人证换领", department=department)
    draft = do_create_draft(service, actor=personas.admin)
    draft.promised_limit_days, draft.legal_limit_days, draft.max_trips = 10, 20, 1
    draft.type = ServiceType.objects.get_or_create(code="S01", defaults={"name": "行政给付"})[0]
    draft.places = ["compound_desk"]
    draft.save()
    Material.objects.create(
        version=draft, position=0, name="居民身份证", type="other", form="paper",
        necessity="required", source="government",
    )  # fmt: skip
    do_publish(draft, actor=personas.admin)
    return service


@pytest.fixture
def disab(make_certificate_type):
    return make_certificate_type("disab", "残疾人证（二代）", window=365, years=10)


@pytest.fixture
def renewal(make_programme, published, disab, personas):
    return make_programme(
        "disab-renewal",
        RULE,
        name="残疾人证无感续证",
        kind="renewal",
        service=published,
        certificate_type=disab,
        handler=personas.clerk_a,
    )


@pytest.fixture
def holders(make_resident, make_certificate, make_certificate_type, disab, frozen):
    """Who holds what: only 甲's certificate is due (100 days left of a 365-day window)."""
    other = make_certificate_type("elder", "优待证（测试）", window=365)
    people = {
        name: make_resident(name, birth=datetime.date(1960, 1, n + 1), mobile=f"1380000000{n}")
        for n, name in enumerate(["甲", "乙", "丙", "丁", "戊", "己"])
    }
    certificates = {
        "甲": make_certificate(people["甲"], disab, expires_on=days(100)),  # due
        "乙": make_certificate(people["乙"], disab, expires_on=days(400)),  # not yet
        "丙": make_certificate(people["丙"], disab, expires_on=days(-10)),  # lapsed
        "丁": make_certificate(people["丁"], disab, expires_on=days(30)),  # deceased
        "戊": make_certificate(people["戊"], other, expires_on=days(30)),  # another type
        "己": make_certificate(people["己"], disab, expires_on=None),  # never expires
    }
    Resident.objects.filter(pk=people["丁"].pk).update(status="deceased")
    return people, certificates


def test_a_case_is_opened_for_each_certificate_due(renewal, holders, personas, published):
    from doorstep.cases.actions.intake import RECEIPT_ALPHABET
    from doorstep.workdays.calendar import add_working_days

    people, certificates = holders
    run = actions.do_run_programme(renewal)
    assert run.status == RunStatus.DONE, run.error
    assert (run.granted, run.cases_opened, run.notified, run.stopped) == (1, 1, 1, 0)
    e = Entitlement.objects.get(programme=renewal)
    cert = certificates["甲"]
    assert (e.resident_id, e.certificate_id, e.status) == (people["甲"].pk, cert.pk, S.CASE_OPENED)
    assert e.period == f"cert-{cert.pk}-{cert.expires_on:%Y%m%d}"
    case = e.case
    assert case is not None and case.resident_id == people["甲"].pk
    assert re.fullmatch(rf"20261201-[{RECEIPT_ALPHABET}]{{8}}", case.receipt)
    version = published.published_version()
    assert (case.status, case.handler, case.service, case.version) == (
        "accepted", personas.clerk_a, published, version
    )  # fmt: skip
    assert (case.department_id, case.area_code) == (published.department_id, people["甲"].area_code)
    assert (case.accepted_on, case.limit_days, case.max_trips, case.trips) == (TODAY, 10, 1, 0)
    assert case.due_on == add_working_days(TODAY, 10) and case.warn_on < case.due_on
    assert case.accepted_at is not None and case.idempotency_key == f"proactive:{e.pk}"
    (event,) = CaseEvent.objects.filter(case=case)
    assert (event.kind, event.to_status, event.data["programme"]) == (
        "created", "accepted", "disab-renewal"
    )  # fmt: skip
    assert "残疾人证无感续证" in event.reason
    (message,) = Message.objects.all()
    assert message.template == "programme_renewal_opened" and message.resident_id == e.resident_id
    assert case.receipt in message.body and str(cert.expires_on) in message.body
    assert "残疾人证" in message.body and e.token in message.body


def test_a_second_run_opens_nothing_more(renewal, holders):
    actions.do_run_programme(renewal)
    again = actions.do_run_programme(renewal)
    assert (again.granted, again.cases_opened, again.notified, again.unchanged) == (0, 0, 0, 1)
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1


def test_the_window_is_per_certificate_type(renewal, holders, frozen, make_certificate_type):
    make_certificate_type("disab", "残疾人证（二代）", window=90, years=10)  # now 90 days, not 365
    assert actions.do_run_programme(renewal).granted == 0  # 甲 has 100 days left
    frozen.move_to(datetime.datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI))  # 90 days left
    run = actions.do_run_programme(renewal)
    assert (run.granted, run.cases_opened) == (1, 1)
    assert Case.objects.get().receipt.startswith("20261211-")


def test_a_renewed_certificate_is_renewed_again_at_its_next_expiry(renewal, holders, frozen):
    _people, certificates = holders
    actions.do_run_programme(renewal)
    cert = certificates["甲"]
    cert.expires_on = datetime.date(2037, 1, 31)  # renewed for ten years
    cert.save(update_fields=["expires_on"])
    assert actions.do_run_programme(renewal).granted == 0
    frozen.move_to(datetime.datetime(2036, 6, 1, 10, 0, tzinfo=SHANGHAI))  # 244 days left
    run = actions.do_run_programme(renewal)
    assert (run.granted, run.cases_opened) == (1, 1)
    assert Entitlement.objects.filter(certificate=cert).count() == 2


def test_preview_counts_the_cases_a_run_opens(renewal, holders):
    result = actions.preview(renewal)
    assert (result.granted, result.stopped, result.unchanged) == (1, 0, 0)
    assert [r.name for r in result.samples["granted"]] == ["甲"]
    assert not Entitlement.objects.exists() and not Case.objects.exists()


def test_no_published_version_fails_the_run_and_writes_nothing(renewal, holders, published):
    from doorstep.catalogue.choices import VersionStatus

    published.versions.update(status=VersionStatus.RETIRED)
    run = actions.do_run_programme(renewal)
    assert run.status == RunStatus.FAILED
    assert "no published version" in run.error and "残疾人证换领" in run.error
    assert not Entitlement.objects.exists() and not Case.objects.exists()
    assert not Message.objects.exists()
    with pytest.raises(ValidationError, match="no published version") as caught:
        actions.preview(renewal)
    assert caught.value.code == "cannot_run"
    with pytest.raises(ValidationError, match="no published version"):
        actions.do_queue_run(renewal, actor=None, trigger="schedule")
    assert ProgrammeRun.objects.count() == 1  # the failed run, and no queued one


def test_a_crash_before_opening_cases_is_finished_by_the_rerun(renewal, holders, monkeypatch):
    from doorstep.proactive import runs

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(runs, "_open_cases", crash)
    failed = actions.do_run_programme(renewal)
    assert (failed.status, failed.phase, failed.granted) == ("failed", "opening_cases", 1)
    assert Entitlement.objects.get().case is None and not Message.objects.exists()
    monkeypatch.undo()
    rerun = actions.do_run_programme(renewal)
    assert (rerun.granted, rerun.cases_opened, rerun.notified) == (0, 1, 1)
    assert Entitlement.objects.get().case == Case.objects.get()
    assert CaseEvent.objects.count() == 1


def test_receipts_drawn_twice_are_drawn_again(renewal, holders, make_certificate, disab,
                                              monkeypatch):  # fmt: skip
    from doorstep.cases.actions import intake

    people, _certificates = holders
    make_certificate(people["乙"], disab, expires_on=days(50))
    monkeypatch.setattr(intake, "RECEIPT_ALPHABET", "A")  # every draw the same number
    failed = actions.do_run_programme(renewal)
    assert failed.status == RunStatus.FAILED and "receipt" in failed.error
    assert not Case.objects.exists()  # the step rolled back as a whole
    monkeypatch.setattr(intake, "RECEIPT_ALPHABET", "AB")  # 256 numbers: clashes, then not
    rerun = actions.do_run_programme(renewal)
    assert (rerun.status, rerun.cases_opened, rerun.notified) == ("done", 2, 2)
    assert len(set(Case.objects.values_list("receipt", flat=True))) == 2
    assert CaseEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="raced on PostgreSQL")
def test_two_renewal_runs_at_once_open_one_case_per_certificate(renewal, holders):
    from doorstep.proactive.models import Programme
    from doorstep.proactive.tests.test_idempotency import _at_once

    done = _at_once(2, lambda: actions.do_run_programme(Programme.objects.get(pk=renewal.pk)))
    assert sorted(r.cases_opened for r in done) == [0, 1], [r.error for r in done]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_opened_case_works_like_any_other(renewal, holders, client, personas):
    """The handler sees it in their list and on its page, tracks it by receipt, and moves it
    on (complete) through the ordinary case actions."""
    from django.urls import reverse

    from doorstep.cases.actions import do_transition

    actions.do_run_programme(renewal)
    case = Case.objects.get()
    client.force_login(personas.clerk_a)
    assert client.get(reverse("cases-list")).status_code == 200
    page = client.get(reverse("cases-detail", args=[case.pk]))
    assert page.status_code == 200 and case.receipt in page.content.decode()
    do_transition(case, "complete", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.status == "completed"


def test_a_renewal_case_due_in_a_year_without_its_schedule_is_provisional(
    renewal, holders, published
):
    """Opened set-based, the renewal case carries the clock's provisional flag like intake."""
    from doorstep.catalogue.models import ServiceVersion
    from doorstep.workdays.seed import seed_holidays

    seed_holidays([2026])
    ServiceVersion.objects.filter(pk=published.published_version().pk).update(
        promised_limit_days=30
    )
    actions.do_run_programme(renewal)
    case = Case.objects.get()
    assert case.due_on.year == 2027
    assert case.due_provisional is True
