"""In a real browser at 320 px: the resident's answer page, from the link in the message. It
names the resident the Chinese way (王**), says how and when the money arrives, accepting is
confirmed, opting out asks first; axe-core (WCAG 2.2 AA) finds nothing on any of its states.
The time is not frozen (see test_e2e.py)."""

from __future__ import annotations

import datetime

import pytest

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def no_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_answer_page_on_a_small_phone(
    live_server, transactional_db, personas, make_resident, make_programme, browser, settings
):
    from playwright.sync_api import expect

    from doorstep.notify.models import Message
    from doorstep.proactive import actions
    from doorstep.proactive.models import Entitlement, OptOut

    settings.LANGUAGE_CODE = "en"
    today = datetime.date.today()
    make_resident("王老太", birth=datetime.date(today.year - 90, 6, 1))
    programme = make_programme(
        "meals",
        "age >= 85",
        name="老年助餐补贴",
        mode="offer",
        period="monthly",
        amount="30.00",
        payment_method="打入本人社会保障卡",
        payment_timing="次月15日前",
        signature="汉阳区民政局",
        policy="85周岁以上老人每月助餐补贴，需本人确认。",
    )
    actions.do_run_programme(programme)
    offer = Entitlement.objects.get()

    phone = browser.new_page(viewport={"width": 320, "height": 700})
    phone.goto(f"{live_server.url}/programmes/r/{offer.token}/")
    expect(phone.locator("#recipient")).to_have_text("王**")
    expect(phone.locator("#answer-method")).to_have_text("打入本人社会保障卡")
    expect(phone.locator("#answer-timing")).to_have_text("次月15日前")
    assert "王老太" not in phone.content() and fits(phone)
    no_violations(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "e2e-answer-1-offer.png"), full_page=True)

    phone.click("#answer-accept")
    expect(phone.locator(".messages")).to_contain_text("You have accepted")
    assert Message.objects.filter(template="programme_accepted").count() == 1
    no_violations(phone)

    phone.click("#answer-opt-out")
    expect(phone.locator("#opt-out-confirm")).to_be_visible()
    assert fits(phone)
    no_violations(phone)
    phone.screenshot(path=str(ARTIFACTS / "e2e-answer-2-confirm.png"), full_page=True)
    phone.click("#answer-opt-out-cancel")  # changed her mind: nothing written
    expect(phone.locator("#answer-opt-out")).to_be_visible()
    assert not OptOut.objects.exists()
    phone.click("#answer-opt-out")
    phone.click("#answer-opt-out-confirm")
    expect(phone.locator("#answer-state")).to_have_text("Opted out")
    assert OptOut.objects.filter(reason="opted_out").exists()
    no_violations(phone)
    phone.screenshot(path=str(ARTIFACTS / "e2e-answer-3-opted-out.png"), full_page=True)
