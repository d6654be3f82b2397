"""A closed case is opened for rating (好差评) in the transaction that closes it: the completion
message carries the rating link, and the tracking page and its API offer it while the case is
unrated and the window is open."""

from __future__ import annotations

import pytest

from doorstep.cases.actions import do_transition
from doorstep.feedback.actions import Given, do_rate
from doorstep.feedback.models import Subject
from doorstep.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.DOORSTEP_PUBLIC_URL = "https://doorstep.example.gov.cn"


@pytest.fixture
def completed(frozen, make_case, make_resident, personas):
    resident = make_resident("欧阳晓燕", mobile="13912345678")
    case = make_case("accept", resident=resident)
    do_transition(case, "complete", actor=personas.clerk_a)
    return case


def test_completion_opens_the_case_for_rating(completed, personas):
    subject = Subject.objects.get(kind="case", object_id=completed.pk)
    assert subject.reference == completed.receipt
    assert subject.area_code == completed.area_code and subject.service == completed.service
    assert subject.handler == personas.clerk_a and subject.resident == completed.resident
    assert subject.department is None  # the desk carried it: the desk is rated
    message = Message.objects.get(idempotency_key=f"case:{completed.pk}:completed")
    assert f"https://doorstep.example.gov.cn/rate/{subject.key}/" in message.body


def test_a_forwarded_case_rates_its_department(frozen, make_case, personas):
    case = make_case("accept")
    do_transition(case, "forward", actor=personas.clerk_a)
    do_transition(case, "approve", actor=personas.reviewer)
    case.refresh_from_db()
    if case.status != "completed":
        do_transition(case, "complete", actor=personas.clerk_a)
    subject = Subject.objects.get(kind="case", object_id=case.pk)
    assert subject.department_id == case.forwarded_to_id is not None


def test_an_open_case_is_not_rated(frozen, make_case):
    case = make_case("accept")
    assert not Subject.objects.filter(kind="case", object_id=case.pk).exists()


def _track(client, case):
    return client.post(
        f"/cases/track/?receipt={case.receipt}", {"receipt": case.receipt, "digits": "5678"}
    )


def test_tracking_page_offers_the_rating_once(client, completed):
    subject = Subject.objects.get(kind="case", object_id=completed.pk)
    page = _track(client, completed).content.decode()
    assert f'href="/rate/{subject.key}/?via=receipt"' in page
    api = client.get(
        "/api/v1/cases/track/", {"receipt": completed.receipt, "phone_last4": "5678"}
    ).json()
    assert api["rating_url"] == f"/rate/{subject.key}/?via=tracking"
    do_rate(subject, Given(level=5), source="receipt")
    assert 'id="rate-link"' not in _track(client, completed).content.decode()
    api = client.get(
        "/api/v1/cases/track/", {"receipt": completed.receipt, "phone_last4": "5678"}
    ).json()
    assert api["rating_url"] == ""
