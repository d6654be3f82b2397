"""In a real browser: a resident books a slot on her phone from the compound page; the clerk
gives her a queue number and marks her served. Playwright drives Debian's Chromium."""

from __future__ import annotations

import re

import pytest

from conftest import ARTIFACTS, needs_chromium

from .conftest import TODAY, otp_for

pytestmark = [pytest.mark.e2e, needs_chromium]


@pytest.fixture
def running_clock():
    """Today at 08:00 in Shanghai, with the clock running (the live server needs it)."""
    import time_machine

    from .conftest import NOW

    with time_machine.travel(NOW, tick=True):
        yield


def test_resident_books_and_clerk_serves(
    live_server,
    transactional_db,
    personas,
    make_desk,
    open_session,
    browser,
    settings,
    running_clock,
):
    from playwright.sync_api import expect

    from doorstep.desks.models import Appointment

    settings.LANGUAGE_CODE = "en"
    desk = make_desk()
    session = open_session(desk, date=TODAY, start="10:00", end="11:00", capacity=2)
    compound = session.compound

    resident = browser.new_page(viewport={"width": 320, "height": 700})
    resident.goto(f"{live_server.url}/desks/compound/{compound.code}/")
    expect(resident.locator("h1")).to_contain_text(compound.name)
    assert resident.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    resident.screenshot(path=str(ARTIFACTS / "e2e-desks-compound.png"), full_page=True)
    resident.locator(".slot-list a").first.click()
    # The booking form is the next page: wait for it, or the check below can run mid-navigation
    # against a document that has no element yet.
    expect(resident.locator("#id_service")).to_be_visible()
    assert resident.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    resident.select_option("#id_service", "senior-card")
    resident.fill("#id_name", "张景林")
    resident.fill("#id_phone", "138 1234 5678")
    resident.fill("#id_id_last4", "123x")
    resident.click("button[type=submit]:text('Book')")
    # The place is held until the code the phone received by SMS is entered.
    expect(resident).to_have_url(re.compile(r"/desks/confirm/[A-Z0-9]{6}/$"))
    expect(resident.locator("#confirm-help")).to_contain_text("138****5678")
    assert resident.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    resident.screenshot(path=str(ARTIFACTS / "e2e-desks-confirm.png"), full_page=True)
    resident.fill("#id_otp", otp_for(Appointment.objects.get()))
    resident.click("button[type=submit]:text('Confirm')")
    expect(resident).to_have_url(re.compile(r"/desks/booked/[A-Z0-9]{6}/$"))
    code = resident.locator("#booking-code").inner_text().strip()
    assert resident.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    resident.screenshot(path=str(ARTIFACTS / "e2e-desks-booked.png"), full_page=True)
    assert Appointment.objects.get().code == code

    clerk = browser.new_page(viewport={"width": 800, "height": 1000})
    clerk.goto(f"{live_server.url}/login/?next=/desks/today/")
    clerk.fill("#id_username", "clerk_a")
    clerk.fill("#id_password", "pw")
    clerk.click("button[type=submit]:text('Log in')")
    expect(clerk).to_have_url(f"{live_server.url}/desks/today/")
    clerk.locator(f"a[href='/desks/session/{session.pk}/']").click()
    booking = clerk.locator(f"#appointment-{Appointment.objects.get().pk}")
    expect(booking).to_contain_text("张景林")
    booking.locator("button:text('Give a number')").click()
    expect(clerk.locator("#ticket-1")).to_contain_text("张景林")
    clerk.locator("#ticket-1 button:text('Mark served')").click()
    expect(clerk.locator("#ticket-1")).to_contain_text("Served")
    expect(clerk.locator(f"#appointment-{Appointment.objects.get().pk}")).to_contain_text("Served")
    clerk.screenshot(path=str(ARTIFACTS / "e2e-desks-served.png"), full_page=True)
    assert Appointment.objects.get().status == "served"

    poster = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    poster.goto(f"{live_server.url}/desks/compound/{compound.code}/poster/")
    poster.emulate_media(media="print")
    expect(poster.locator(".qr svg")).to_be_visible()
    expect(poster.locator(".print-hide")).to_be_hidden()
    poster.screenshot(path=str(ARTIFACTS / "e2e-desks-poster.png"), full_page=True)
