"""In a real browser: the district lead opens the dashboard for November 2026, ECharts (the static
file) draws the charts on a canvas, and the lead drills down from the district to a compound by
the child areas' links.

The time is not frozen here (time_machine and the live server's thread do not mix); the period
is given in the address, so nothing depends on today's date."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_the_district_lead_drills_down_to_a_compound(
    live_server, transactional_db, personas, browser, settings
):
    from playwright.sync_api import expect

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login/?next=/dashboard/%3Fstart%3D2026-11-01%26end%3D2026-11-30")
    page.fill("#id_username", "district_lead")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")

    expect(page.locator("h1")).to_contain_text("Dashboard")
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    expect(page.locator("#chart-children canvas")).to_have_count(1)
    expect(page.locator("#figures tbody tr").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-dashboard-district.png"), full_page=True)

    from doorstep.places.models import Area

    for code in (personas.area_a.code[:9], personas.area_a.code, personas.compound_a.code):
        page.click(f"#children tr[data-area='{code}'] a")
        here = Area.objects.get(code=code).name
        expect(page.locator(".crumbs [aria-current=page]")).to_have_text(here)
        assert f"area={code}" in page.url and "start=2026-11-01" in page.url
    expect(page.locator(".crumbs li")).to_have_count(4)
    expect(page.locator("#children")).to_have_count(0)  # a compound has no areas below
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "e2e-dashboard-compound.png"), full_page=True)

    page.click("text=Monthly league table")  # a compound's: its departments
    expect(page.locator("#id_level")).to_have_value("department")
    page.goto(f"{base}/dashboard/league/")
    page.select_option("#id_level", value="community")
    page.fill("#id_month", "2026-11")
    page.click("form.filters button[type=submit]")
    communities = Area.objects.filter(kind="community").count()
    expect(page.locator("#league tbody tr")).to_have_count(communities)
    page.screenshot(path=str(ARTIFACTS / "e2e-dashboard-league.png"), full_page=True)
    assert errors == []
