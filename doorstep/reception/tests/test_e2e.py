"""In a real browser at phone width (390 px): the street lead plans a reception day and an
open one for today; a resident finds the coming day on the compound's public page and books a
place (code by SMS); on the day the clerk registers what residents raise (a bad public summary
is refused first), assigns one to the civil affairs department, whose reviewer reports; the
leader answers and calls back; the public board shows each matter's progress and nobody.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from conftest import PHONE, fits, login, needs_chromium, shot

pytestmark = [pytest.mark.e2e, needs_chromium]


def plan(page, base, personas, *, date: datetime.date, start: str, end: str, mode: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/reception/plan/")
    page.select_option("#id_area", value=str(personas.area_a.pk))
    page.select_option("#id_leader", value=str(personas.street_lead.pk))
    page.fill("#id_leader_title", "街道党工委书记")
    page.fill("#id_date", date.isoformat())
    page.fill("#id_start", start)
    page.fill("#id_end", end)
    page.select_option("#id_venue", value=str(personas.compound_a.pk))
    page.fill("#id_venue_note", "党群服务中心一楼")
    page.select_option("#id_mode", value=mode)
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#day-title")).to_contain_text(date.isoformat())


def test_a_reception_day_from_the_plan_to_the_public_board(
    live_server, transactional_db, personas, browser, settings
):
    from playwright.sync_api import expect

    from doorstep.catalogue.models import Department
    from doorstep.desks.models import Appointment
    from doorstep.needs.seed import seed_categories
    from doorstep.notify.models import Message
    from doorstep.reception.models import Matter, ReceptionDay
    from doorstep.workdays.seed import seed_holidays

    settings.LANGUAGE_CODE = "en"
    seed_holidays()
    seed_categories()
    civil = Department.objects.get(code="mz")
    base = live_server.url
    today = timezone.localdate()

    # ---- the street lead plans today's open day and a bookable one in three days ----
    lead = login(browser, base, "street_lead", "/reception/")
    expect(lead.locator("h1")).to_have_text("Reception days")
    plan(lead, base, personas, date=today, start="00:00", end="23:30", mode="open")
    coming = today + datetime.timedelta(days=3)
    plan(lead, base, personas, date=coming, start="09:00", end="11:00", mode="both")
    assert fits(lead)
    shot(lead, "e2e-reception-0-planned")
    booked_day = ReceptionDay.objects.get(date=coming)

    # ---- a resident finds it on the compound's page and books a place ----
    resident = browser.new_context(viewport=PHONE).new_page()
    resident.goto(f"{base}/desks/compound/{personas.compound_a.code}/")
    day_card = resident.locator(f"#reception-day-{booked_day.pk}")
    expect(day_card).to_contain_text("街道党工委书记")
    assert fits(resident)
    shot(resident, "e2e-reception-1-compound-page")
    day_card.locator(".slot-list a").first.click()
    expect(resident.locator("#id_service")).to_have_count(0)
    resident.fill("#id_name", "钱大爷")
    resident.fill("#id_phone", "13912345678")
    resident.fill("#id_id_last4", "1234")
    resident.click("main button[type=submit]")
    expect(resident.locator("#id_otp")).to_be_visible()
    otp = re.search(r"\b(\d{6})\b", Message.objects.get(template="appointment_otp").body).group(1)
    resident.fill("#id_otp", otp)
    resident.click("main button[type=submit]")
    expect(resident.locator("#booking-code")).to_be_visible()
    assert Appointment.objects.get().status == "booked"
    shot(resident, "e2e-reception-2-booked")

    # ---- on the day, the clerk registers what residents raise ----
    today_day = ReceptionDay.objects.get(date=today)
    clerk = login(browser, base, "clerk_a", f"/reception/{today_day.pk}/")
    expect(clerk.locator("#matter-form")).to_be_visible()
    clerk.select_option("#id_compound", value=str(personas.compound_a.pk))
    clerk.select_option("#id_category", label="物业服务")
    clerk.select_option("#id_kind", value="complaint")
    clerk.fill("#id_description", "3栋电梯经常停运，老人上下楼困难")
    clerk.fill("#id_public_summary", "钱大爷家楼栋电梯停运")
    clerk.fill("#id_raiser_name", "钱大爷")
    clerk.fill("#id_raiser_phone", "13912345678")
    clerk.check("#id_petition")
    clerk.click("#matter-form button[type=submit]")
    expect(clerk.locator("#field-public_summary .error")).to_contain_text("may not contain names")
    assert not Matter.objects.exists()
    shot(clerk, "e2e-reception-3-refused")
    clerk.fill("#id_public_summary", "楼栋电梯经常停运")
    clerk.click("#matter-form button[type=submit]")
    expect(clerk.locator("#matter-list")).to_contain_text("楼栋电梯经常停运")
    lift = Matter.objects.get()
    clerk.select_option("#id_compound", value=str(personas.compound_a.pk))
    clerk.select_option("#id_category", label="其他一般诉求")
    clerk.fill("#id_description", "在装修公司打工被拖欠三个月工资")
    clerk.fill("#id_public_summary", "务工人员工资被拖欠")
    clerk.fill("#id_raiser_name", "冯师傅")
    clerk.select_option("#id_route", value="arbitration")
    clerk.click("#matter-form button[type=submit]")
    expect(clerk.locator("#matter-list li")).to_have_count(2)
    assert fits(clerk)
    shot(clerk, "e2e-reception-4-registered")

    # ---- 交办: assigned to the civil affairs department with a deadline ----
    clerk.goto(f"{base}/reception/matters/{lift.pk}/")
    clerk.select_option("#id_department", value=str(civil.pk))
    clerk.fill("#id_due_on", (today + datetime.timedelta(days=10)).isoformat())
    clerk.click("#assign-form button[type=submit]")
    expect(clerk.locator("#department")).to_contain_text(civil.name)
    shot(clerk, "e2e-reception-5-assigned")

    # ---- the department's reviewer reports ----
    reviewer = login(browser, base, "reviewer", f"/reception/matters/{lift.pk}/")
    expect(reviewer.locator("#assign-form")).to_have_count(0)
    reviewer.fill("#id_report", "已联系维保单位，更换电梯控制柜")
    reviewer.click("#report-form button[type=submit]")
    expect(reviewer.locator("#report")).to_contain_text("控制柜")
    shot(reviewer, "e2e-reception-6-reported")

    # ---- the leader answers the resident and calls back: concluded ----
    lead.goto(f"{base}/reception/matters/{lift.pk}/")
    lead.click("#need-link")
    lead.click("#more-answer summary")
    lead.select_option("#id_answer_decision", value="resolved")
    lead.fill("#id_answer_answer", "电梯控制柜已更换，运行正常")
    lead.click("#act-answer button[type=submit]")
    lead.check("#id_cb_reached")
    lead.select_option("#id_cb_solved", "yes")
    lead.select_option("#id_cb_satisfaction", "5")
    lead.click("#act-callback button[type=submit]")
    expect(lead.locator(".need-status").first).to_contain_text("Closed")

    # ---- the public board: each matter's progress, nobody's name ----
    public = browser.new_context(viewport=PHONE).new_page()
    public.goto(f"{base}/reception/board/{personas.area_a.code}/")
    board = public.locator("#board")
    expect(board.locator(f"#board-{lift.pk}")).to_contain_text("Concluded and called back")
    expect(board).to_contain_text("Not accepted")
    text = public.content()
    for private in ("钱大爷", "冯师傅", "13912345678", "老人上下楼困难"):
        assert private not in text
    assert fits(public)
    shot(public, "e2e-reception-7-board")
