"""In a real browser at a phone's width (390 px): the overdue sweep runs; the clerk opens her
home page and sees the inbox badge, opens the inbox item and follows it to the case, then opens
the household's timeline from the resident's page. The clock is set to the cases' test day and
runs (the live server needs it); the sweep is told its day, so nothing depends on today."""

from __future__ import annotations

import datetime
import re

import pytest

from conftest import ARTIFACTS, needs_chromium
from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    NOW,
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.cases.tests.test_e2e import fits, log_in

pytestmark = [pytest.mark.e2e, needs_chromium]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-inbox-{name}.png"), full_page=True)


@pytest.fixture
def running_clock():
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


def test_the_sweep_lands_in_the_inbox_and_the_household_has_one_timeline(
    live_server,
    transactional_db,
    personas,
    resident,  # noqa: F811
    make_case,  # noqa: F811
    browser,
    settings,
    running_clock,
):
    from playwright.sync_api import expect

    from doorstep.cases.actions import do_sweep_overdue
    from doorstep.people.models import Resident
    from doorstep.places.models import Building, Household

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    building = Building.objects.create(compound=personas.compound_a, number="3")
    household = Household.objects.create(building=building, room="402")
    Resident.objects.filter(pk=resident.pk).update(household=household)
    case = make_case("accept")
    swept = do_sweep_overdue(
        today=case.due_on + datetime.timedelta(days=1),
        now=NOW + datetime.timedelta(days=20),
    )
    assert swept == 1

    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, base, "clerk_a", "/")
    expect(page.locator("#inbox-badge")).to_contain_text("1")
    expect(page.locator("#home-inbox")).to_contain_text(case.receipt)
    assert fits(page)
    shot(page, "1-home")

    page.click("#nav-inbox")
    expect(page.locator("h1")).to_have_text("Inbox")
    item = page.locator(".inbox-item", has_text=case.receipt)
    expect(item).to_contain_text("is overdue")
    assert fits(page)
    shot(page, "2-inbox")
    item.locator("button", has_text="Open").click()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    expect(page.locator("#receipt")).to_have_text(case.receipt)
    expect(page.locator("#inbox-badge")).to_have_count(0)
    shot(page, "3-case")

    page.goto(f"{base}/residents/{resident.pk}/")
    page.click("#household-link")
    expect(page).to_have_url(re.compile(rf"/households/{household.pk}/$"))
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(case.receipt)
    expect(timeline).to_contain_text("Overdue")
    timeline.locator("a", has_text="Overdue").first.click()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    page.go_back()
    assert fits(page)
    shot(page, "4-household")
