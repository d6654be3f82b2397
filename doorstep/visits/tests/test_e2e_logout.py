"""Shared phones: logging out wipes the visits worklist the phone keeps (the service worker's
Cache Storage and localStorage), and asks first when visits saved offline are not sent yet —
in the user's language.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import pytest

from conftest import needs_chromium

from .conftest import build_street

pytestmark = [pytest.mark.e2e, needs_chromium]

CACHED = "caches.keys().then(keys => keys.length > 0)"
CACHE_FILLED = (
    "caches.open('doorstep-visits-v1').then(c => c.keys()).then(k => k.length > 1)"
)  # fmt: skip
QUEUE = "doorstep.visits.queue"
UNSENT = {"url": "/api/v1/visits/", "body": {"client_key": "k"}, "queued_at": "2026-12-01"}


def _open_worklist(browser, base: str, locale: str = "en-US"):
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale=locale
    )
    page = context.new_page()
    page.goto(f"{base}/login/?next=/visits/")
    page.fill("#id_username", "grid_a")
    page.fill("#id_password", "pw")
    page.click("form:has(#id_password) button[type=submit]")
    expect(page.locator(".due-row")).to_have_count(2)
    page.wait_for_function("localStorage.getItem('doorstep.visits.due') !== null")
    page.wait_for_function(CACHE_FILLED, timeout=15_000)
    return context, page


WIPED = "caches.keys().then(keys => keys.length === 0 && localStorage.length === 0)"


def _wiped(page) -> bool:
    """Cache Storage and localStorage both empty, and staying so: the browser clears them as
    the logout's answer arrives, which may be a moment after the login page shows."""
    page.wait_for_function(WIPED, timeout=10_000)
    page.wait_for_timeout(500)  # a late write (a page or the service worker) would show now
    return page.evaluate(WIPED)


def test_logout_wipes_the_worklist_kept_on_the_phone(
    live_server, transactional_db, personas, make_resident, rules, browser, settings
):
    settings.LANGUAGE_CODE = "en"
    build_street(personas, make_resident)
    context, page = _open_worklist(browser, live_server.url)
    assert page.evaluate(CACHED)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    assert _wiped(page)
    assert page.evaluate("localStorage.getItem('doorstep.visits.due')") is None
    # Offline now, nothing on the phone opens the worklist any more.
    from playwright.sync_api import Error

    context.set_offline(True)
    with pytest.raises(Error):
        page.goto(f"{live_server.url}/visits/")
    context.close()


@pytest.mark.parametrize(
    "language, asks",
    [("en-US", "have not been sent yet"), ("zh-TW", "尚未提交")],
)
def test_logout_asks_first_when_visits_are_unsent(
    live_server, transactional_db, personas, make_resident, rules, browser, settings,
    language, asks,
):  # fmt: skip
    import json

    build_street(personas, make_resident)
    context, page = _open_worklist(browser, live_server.url, language)
    page.evaluate(f"localStorage.setItem('{QUEUE}', JSON.stringify([{json.dumps(UNSENT)}]))")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("form.logout button").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and asks in asked[0] and " 1" in asked[0]
    # Stayed: still logged in, the unsent visit still on the phone.
    assert "/visits/" in page.url and page.evaluate(CACHED)
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}')).length") == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.logout button").click()
    page.wait_for_url("**/login/**")
    assert _wiped(page)
    context.close()


def test_nothing_unsent_no_question(
    live_server, transactional_db, personas, make_resident, rules, browser, settings
):
    settings.LANGUAGE_CODE = "en"
    build_street(personas, make_resident)
    context, page = _open_worklist(browser, live_server.url)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    assert asked == []
    context.close()
