"""In a real browser at phone width (390 px): a grid worker logs a visit at a resident's door
that finds a need, registers it from the visit and hands it on to the compound's property
management; the property company answers by the link in its message (no login); the grid
worker calls the resident back and the need closes.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import re

import pytest

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-needs-{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_need_from_the_door_to_closed(
    live_server, transactional_db, personas, holidays, categories, body, browser, settings
):
    from playwright.sync_api import expect

    from doorstep.needs.models import Need
    from doorstep.notify.models import Message
    from doorstep.places.models import Building, Grid, Household
    from doorstep.visits.models import Visit

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    building = Building.objects.create(compound=personas.compound_a, number="3")
    household = Household.objects.create(building=building, room="101")
    patch = Grid.objects.create(community=personas.area_a, name="三栋网格")
    patch.buildings.add(building)
    patch.workers.add(personas.grid_a)

    # ---- the grid worker, on her phone at the door: the visit finds a need ----
    grid = browser.new_page(viewport=PHONE)
    grid.goto(f"{base}/login/?next=/visits/log/{household.pk}/")
    grid.fill("#id_username", "grid_a")
    grid.fill("#id_password", "pw")
    grid.click("button[type=submit]:text('Log in')")
    expect(grid.locator("h1")).to_have_text("Log a visit")
    grid.get_by_label("Met the household").check()
    grid.locator("#id_finding_kind_0").select_option("need")
    grid.locator("#id_finding_text_0").fill("3栋楼道灯坏了，老人晚上看不见台阶")
    grid.get_by_role("button", name="Save the visit").click()
    raise_it = grid.locator("[data-raise]")
    expect(raise_it).to_be_visible()
    visit = Visit.objects.get()
    shot(grid, "0-visit")
    raise_it.click()
    expect(grid.locator("#from-visit")).to_be_visible()
    expect(grid.locator("#id_description")).to_have_value("3栋楼道灯坏了，老人晚上看不见台阶")
    grid.select_option("#id_category", label="物业服务")
    grid.select_option("#id_urgency", value="orange")
    grid.fill("#id_raiser_name", "张阿姨")
    grid.fill("#id_raiser_phone", "13912345678")
    assert fits(grid)
    shot(grid, "1-register")
    grid.click("#register-submit")
    expect(grid.locator("#need-title")).to_contain_text("物业服务")
    need = Need.objects.get()
    assert need.visit == visit and need.source == "visit"
    assert fits(grid)
    shot(grid, "2-registered")

    # ---- hand it on to the property company ----
    grid.click("#more-handoff summary")
    grid.select_option("#id_ho_to", label=body.name)
    grid.fill("#id_ho_reason", "楼道照明归物业维修")
    grid.click("#act-handoff button[type=submit]")
    expect(grid.locator("#pending")).to_contain_text(body.name)
    shot(grid, "3-handed-on")

    # ---- the property company answers by the link in its message: no login ----
    message = Message.objects.get(template="need_handed_to_body")
    link = re.search(r"(?:https?://\S+)?(/needs/x/\S+/)", message.body).group(1)
    company = browser.new_context(viewport=PHONE).new_page()
    company.goto(base + link)
    expect(company.locator("#need-title")).to_contain_text(f"#{need.pk}")
    assert fits(company)
    shot(company, "4-link")
    company.click("#ext-accept button")
    expect(company.locator("#ext-answer")).to_be_visible()
    company.select_option("#id_decision", value="resolved")
    company.fill("#id_text", "已更换3栋2-6楼楼道灯")
    company.click("#ext-answer-submit")
    expect(company.locator("#status")).to_contain_text("Answered")
    shot(company, "5-answered")

    # ---- the grid worker calls the resident back; satisfied closes it ----
    grid.reload()
    expect(grid.locator("#answer")).to_contain_text("已更换")
    grid.check("#id_cb_reached")
    grid.select_option("#id_cb_solved", "yes")
    grid.select_option("#id_cb_satisfaction", "5")
    grid.click("#act-callback button[type=submit]")
    expect(grid.locator(".need-status").first).to_contain_text("Closed")
    assert fits(grid)
    shot(grid, "6-closed")
    assert Need.objects.get().status == "closed"
