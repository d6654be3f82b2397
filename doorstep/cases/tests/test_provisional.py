"""Due dates that reach into a year whose official holiday schedule is not entered yet: counted
with the statutory public holidays (New Year's Day 2027 is not a working day), marked
provisional wherever they show, and recounted when the schedule is entered.

The clock is frozen on Tuesday 2026-12-01 (chinesecalendar knows 2026, not 2027). A 30-working-
day case: 22 working days are left in December (2–4, 7–11, 14–18, 21–25, 28–31); 2027-01-01 is
a Friday and 元旦, so the 30th working day is Wednesday 2027-01-13 (counted Monday to Friday it
would be Tuesday 2027-01-12)."""

from __future__ import annotations

import datetime
import io
import re

import chinese_calendar
import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from doorstep.cases import pdf
from doorstep.cases.actions import do_recount_due_dates, do_transition
from doorstep.cases.choices import EventKind
from doorstep.cases.models import Case, CaseDocument
from doorstep.notify.models import Message
from doorstep.workdays.choices import DayKind
from doorstep.workdays.models import Holiday

D = datetime.date
DUE_STATUTORY = D(2027, 1, 13)
DUE_MONDAY_TO_FRIDAY = D(2027, 1, 12)


@pytest.fixture
def thirty(service):
    from doorstep.catalogue.models import ServiceVersion

    ServiceVersion.objects.filter(pk=service.published_version().pk).update(
        promised_limit_days=30, legal_limit_days=40
    )


@pytest.fixture
def case(thirty, make_case, frozen):
    return make_case("accept")


def test_a_case_crossing_into_2027_skips_new_years_day_and_is_provisional(case):
    assert 2027 not in {d.year for d in Holiday.objects.values_list("date", flat=True)}
    assert case.due_on == DUE_STATUTORY != DUE_MONDAY_TO_FRIDAY
    assert case.due_provisional is True
    receipt = case.documents.get(kind="receipt")
    assert (receipt.due_on, receipt.due_provisional) == (DUE_STATUTORY, True)


def test_a_case_due_within_the_known_year_is_not_provisional(make_case, frozen):
    case = make_case("accept")  # 10 working days: 2026-12-15
    assert case.due_on.year == 2026
    assert case.due_provisional is False


def _enter_in_admin(client, personas, *rows: tuple[datetime.date, str, str]) -> None:
    client.force_login(personas.admin)
    for day, kind, name in rows:
        response = client.post(
            reverse("admin:workdays_holiday_add"),
            {"date": day.isoformat(), "kind": kind, "name": name},
        )
        assert response.status_code == 302, response.content.decode()[:2000]


def test_entering_the_2027_schedule_in_the_admin_recounts_and_clears_the_flag(
    case, client, personas
):
    other = Case.objects.create(  # a closed case keeps the date it was closed with
        **{
            f.attname: getattr(case, f.attname)
            for f in Case._meta.concrete_fields
            if f.attname not in ("id", "receipt", "idempotency_key")
        }
        | {"receipt": "CLOSED-1", "status": "completed"}
    )
    revision = case.revision
    # An invented 2027 schedule: 元旦 Friday 1 to Sunday 3 January, and Saturday 9 January a
    # make-up working day (调休), which brings the 30th working day one day earlier.
    _enter_in_admin(
        client,
        personas,
        (D(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
        (D(2027, 1, 2), DayKind.HOLIDAY, "元旦"),
        (D(2027, 1, 3), DayKind.HOLIDAY, "元旦"),
        (D(2027, 1, 9), DayKind.WORKDAY, "元旦"),
    )
    case.refresh_from_db()
    assert case.due_on == D(2027, 1, 12)
    assert case.due_provisional is False
    assert case.revision > revision
    events = list(case.events.filter(kind=EventKind.RECOUNTED).order_by("pk"))
    # The first row made 2027 official (same date, flag cleared); the make-up day moved it.
    assert [e.data for e in events] == [
        {"due_was": "2027-01-13", "due_on": "2027-01-13", "provisional": False},
        {"due_was": "2027-01-13", "due_on": "2027-01-12", "provisional": False},
    ]
    other.refresh_from_db()
    assert (other.due_on, other.due_provisional) == (DUE_STATUTORY, True)
    assert not other.events.exists()


def test_seeding_a_new_year_recounts_too(case, monkeypatch):
    # A chinesecalendar release that knows 2027 (here: only its New Year's Day).
    monkeypatch.setitem(
        chinese_calendar.holidays, D(2027, 1, 1), chinese_calendar.Holiday.new_years_day.value
    )
    call_command("seed_holidays", "2027", stdout=io.StringIO(), stderr=io.StringIO())
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (DUE_STATUTORY, False)
    assert case.events.filter(kind=EventKind.RECOUNTED).count() == 1


def test_a_recount_with_nothing_changed_writes_nothing(case):
    assert do_recount_due_dates() == 0
    assert not case.events.filter(kind=EventKind.RECOUNTED).exists()


def test_a_recount_keeps_the_stopped_days(thirty, make_case, personas, frozen):
    """A case whose clock stopped for 2 working days: recounted from acceptance, limit and the
    stopped days, which gives the date the pause gave it."""
    case = make_case("accept")
    do_transition(case, "request_materials", actor=personas.clerk_a, reason="补正")
    frozen.move_to(datetime.datetime(2026, 12, 3, 10, tzinfo=datetime.UTC))
    do_transition(case, "supply", actor=personas.clerk_a)
    case.refresh_from_db()
    assert case.paused_days == 2 and case.due_on == D(2027, 1, 15)
    Case.objects.filter(pk=case.pk).update(due_on=D(2027, 3, 1))  # as if counted otherwise
    assert do_recount_due_dates() == 1
    case.refresh_from_db()
    assert (case.due_on, case.due_provisional) == (D(2027, 1, 15), True)


# ---- where the due date shows ------------------------------------------------------------------


def test_the_case_page_and_the_list_say_provisional(case, client, personas):
    client.force_login(personas.clerk_a)
    page = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    due = re.search(r'<dd id="due">(.*?)</dd>', page, re.S).group(1)
    assert "2027-01-13" in due and "provisional" in due
    listed = client.get(reverse("cases-list")).content.decode()
    assert "due 2027-01-13" in listed and 'data-provisional="1"' in listed


def test_the_list_and_page_say_nothing_for_a_known_year(make_case, frozen, client, personas):
    case = make_case("accept")
    client.force_login(personas.clerk_a)
    assert "data-provisional" not in client.get(reverse("cases-list")).content.decode()
    page = client.get(reverse("cases-detail", args=[case.pk])).content.decode()
    assert "data-provisional" not in page


def test_the_api_and_its_schema_carry_the_flag(case, client, personas):
    client.force_login(personas.clerk_a)
    detail = client.get(reverse("api:case", args=[case.pk])).json()
    assert (detail["due_on"], detail["due_provisional"]) == ("2027-01-13", True)
    assert all(d["due_provisional"] for d in detail["documents"] if d["due_on"])
    listed = client.get(reverse("api:cases")).json()["results"]
    assert [(r["due_on"], r["due_provisional"]) for r in listed] == [("2027-01-13", True)]
    schema = client.get(reverse("api:openapi-json")).json()["components"]["schemas"]
    for name in ("CaseSummary", "Tracked", "DocumentOut", "ChecklistOut"):
        assert "due_provisional" in schema[name]["properties"], name


def test_the_public_tracking_page_and_api_say_provisional(thirty, make_case, frozen, client,
                                                          make_resident):  # fmt: skip
    resident = make_resident("李四", mobile="13812345678")
    case = make_case("accept", resident=resident)
    response = client.post(reverse("cases-track"), {"receipt": case.receipt, "digits": "5678"})
    due = re.search(r'<dd id="due">(.*?)</dd>', response.content.decode(), re.S).group(1)
    assert "2027-01-13" in due and "provisional" in due
    tracked = client.get(
        reverse("api:cases-track"), {"receipt": case.receipt, "phone_last4": "5678"}
    ).json()
    assert tracked["due_provisional"] is True


def test_the_acceptance_message_says_the_date_is_provisional(thirty, make_case, frozen,
                                                             make_resident):  # fmt: skip
    resident = make_resident("李四", mobile="13812345678")
    case = make_case("accept", resident=resident)
    message = Message.objects.get(idempotency_key=f"case:{case.pk}:accepted")
    assert "2027-01-13 (provisional" in message.body


def test_the_receipt_pdf_says_provisional(case, settings):
    reason = pdf.problem()
    if reason:
        pytest.skip(reason)
    document = CaseDocument.objects.select_related(*pdf.DOCUMENT_RELATED).get(
        case=case, kind="receipt"
    )
    data = pdf.render_document_pdf(document, tracking_url="https://example.cn/t")
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert re.search(r"Due by .{0,40}2027.{0,20}\(provisional\)", text), text
    assert "statutory public holidays only" in text
