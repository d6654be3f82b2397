"""In Chromium at 320 px: after an administrator's reset, signing in with the one-time password
leads to the change page, which fits and which axe-core (WCAG 2.2 AA) finds nothing on, with
and without a mistake; after the change the header links the page again."""

from __future__ import annotations

import pytest

from conftest import needs_chromium, shot

pytestmark = [pytest.mark.e2e, needs_chromium]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NEW = "Qinduankou-2026!"


def no_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_forced_change_after_a_reset(live_server, transactional_db, personas, browser):
    from doorstep.staff import actions

    one_time = actions.do_reset_password(actor=personas.administrator, user=personas.clerk_a)
    page = browser.new_context(viewport={"width": 320, "height": 700}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "clerk_a")
    page.fill("#id_password", one_time)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url("**/staff/me/password/")
    assert page.locator("#password-change-due").is_visible()
    assert fits(page)
    no_violations(page)
    shot(page, "e2e-own-password-1-due")

    page.fill("#id_old_password", one_time)
    page.fill("#id_new_password1", "abc")
    page.fill("#id_new_password2", "abc")
    page.click("#password-change-submit")
    assert page.locator(".field-invalid").count() >= 1
    no_violations(page)
    shot(page, "e2e-own-password-2-mistake")

    page.goto(f"{live_server.url}/cases/")
    page.wait_for_url("**/staff/me/password/")
    page.fill("#id_old_password", one_time)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("#password-change-submit")
    page.wait_for_url("**/staff/me/password/done/")
    no_violations(page)
    page.goto(f"{live_server.url}/cases/")
    assert page.url.endswith("/cases/")
    assert page.locator("a.who-password").count() == 1
    assert fits(page)
