"""In a real browser at 320 px: a clerk on the phone with a resident finds her in the registry
and books her a place; then a clerk books for someone not in the registry by name and phone,
and the call-next screen shows the queue. Playwright drives Debian's Chromium. The clerk's
browser is in elderly mode (its cookie): every page fits 320 px, main text at least 24 px."""

from __future__ import annotations

import pytest

from conftest import NARROW, fits, login, main_text_px, needs_chromium, shot

from .conftest import TODAY

pytestmark = [pytest.mark.e2e, needs_chromium]


@pytest.fixture
def running_clock():
    import time_machine

    from .conftest import NOW

    with time_machine.travel(NOW, tick=True):
        yield


def test_clerk_books_for_a_resident(
    live_server,
    transactional_db,
    personas,
    make_desk,
    open_session,
    make_resident,
    browser,
    settings,
    running_clock,
):
    from playwright.sync_api import expect

    from doorstep.desks.actions import do_issue_ticket
    from doorstep.desks.models import Appointment

    settings.LANGUAGE_CODE = "en"
    desk = make_desk()
    session = open_session(desk, date=TODAY, start="10:00", end="11:00", capacity=2)
    resident = make_resident(name="龚秀英", mobile="13700001234")

    clerk = login(
        browser,
        live_server.url,
        "clerk_a",
        f"/desks/session/{session.pk}/",
        viewport=NARROW,
        elderly=True,
    )
    expect(clerk.locator("#bookings")).to_be_visible()
    assert fits(clerk) and main_text_px(clerk) >= 24
    clerk.click("a:text('Book for a resident')")
    expect(clerk.locator("#book-for-form")).to_be_visible()
    assert fits(clerk) and main_text_px(clerk) >= 24
    clerk.fill("#id_q", "龚秀英")
    clerk.click("#find-resident button[type=submit]")
    choice = clerk.locator(f"input[name=resident][value='{resident.pk}']")
    expect(choice).to_be_visible()
    assert fits(clerk)
    choice.check()
    clerk.select_option("#id_slot", label="10:00–10:30")
    clerk.select_option("#id_service", "senior-card")
    clerk.check("input[name=channel][value=phone]")
    shot(clerk, "e2e-desks-book-for-1-form")
    clerk.click("#book-for-form button[type=submit]")
    expect(clerk.locator("#bookings")).to_contain_text("龚秀英")
    assert fits(clerk)
    shot(clerk, "e2e-desks-book-for-2-booked")
    booked = Appointment.objects.get()
    assert (booked.resident_id, booked.channel, booked.booked_by_id) == (
        resident.pk,
        "phone",
        personas.clerk_a.pk,
    )

    # Someone not in the registry, at the desk: a name and a phone.
    clerk.click("a:text('Book for a resident')")
    clerk.fill("#id_name", "王大爷")
    clerk.fill("#id_phone", "139 0000 1111")
    clerk.select_option("#id_slot", label="10:30–11:00")
    clerk.select_option("#id_service", "senior-card")
    clerk.check("input[name=channel][value=desk]")
    clerk.click("#book-for-form button[type=submit]")
    expect(clerk.locator("#bookings")).to_contain_text("王大爷")
    # A second booking for the same phone in this session is refused in words, not a 500.
    clerk.click("a:text('Book for a resident')")
    clerk.fill("#id_name", "王大爷")
    clerk.fill("#id_phone", "13900001111")
    clerk.select_option("#id_slot", label="10:00–10:30")
    clerk.select_option("#id_service", "senior-card")
    clerk.check("input[name=channel][value=desk]")
    clerk.click("#book-for-form button[type=submit]")
    expect(clerk.locator("[role=alert]").first).to_contain_text("One booking per phone")
    assert fits(clerk)
    assert Appointment.objects.count() == 2

    # The screen at the desk shows the number called and who is next, names masked.
    for appointment in Appointment.objects.order_by("pk"):
        do_issue_ticket(session, actor=personas.clerk_a, appointment=appointment)
    clerk.goto(f"{live_server.url}/desks/session/{session.pk}/")
    assert fits(clerk)
    with clerk.expect_navigation():  # the call is stored before the screen asks for the board
        clerk.click("button:text('Call the next number')")
    screen = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    screen.context.add_cookies(clerk.context.cookies())
    screen.goto(f"{live_server.url}/desks/session/{session.pk}/display/")
    expect(screen.locator("#calling-number")).to_have_text("001")
    expect(screen.locator(".board-next")).to_contain_text("002")
    assert "龚秀英" not in screen.content() and "王*" in screen.content()
    shot(screen, "e2e-desks-display")
