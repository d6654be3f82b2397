"""In a real browser: a clerk logs in, finds a resident by pinyin initials as she types, and
opens the record. Playwright (sync API) drives Debian's Chromium against the live server."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_clerk_finds_a_resident_as_she_types(
    live_server, transactional_db, personas, make_resident, browser, english
):
    from playwright.sync_api import expect

    resident = make_resident("张景林", mobile="13812345678")
    make_resident("张景林", area=personas.compound_b)  # clerk B's namesake: must not show
    page = browser.new_page(viewport={"width": 390, "height": 844})

    page.goto(f"{live_server.url}/")  # the residents' front door, with the staff login link
    page.click("#staff-login")
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")
    expect(page).to_have_url(f"{live_server.url}/")

    page.locator("#search-q").press_sequentially("zjl", delay=60)
    results = page.locator("#search-results .result")
    expect(results).to_have_count(1)  # filled in by htmx, no page load
    expect(results.first).to_contain_text("张景林")
    expect(results.first).to_contain_text(resident.id_masked)
    expect(page).to_have_url(f"{live_server.url}/")

    results.first.click()
    expect(page).to_have_url(f"{live_server.url}/residents/{resident.pk}/")
    expect(page.locator("h1")).to_have_text("张景林")
    expect(page.locator("#reveal-id")).to_contain_text(resident.id_masked)
    assert resident.id_number() not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-resident-search.png"), full_page=True)
