"""The Open311 page in a real browser, as a platform's developer or a district administrator
reads it on a phone in elderly mode: it explains how to get a key, lists the services offered,
and never scrolls sideways at 320 px."""

from __future__ import annotations

import pytest

from conftest import elderly_context, fits, needs_chromium, shot

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_the_open311_page_reads_at_320_px(live_server, transactional_db, browser):
    from playwright.sync_api import expect

    from doorstep.needs.seed import seed_categories
    from doorstep.places.demo import build_places

    build_places()
    seed_categories()
    page = elderly_context(browser, live_server.url).new_page()
    page.goto(f"{live_server.url}/open311/")
    expect(page.locator("#o311-key")).to_be_visible()
    expect(page.locator(".o311-services")).to_contain_text("need-lights")
    assert fits(page)
    shot(page, "e2e-open311-docs")
    page.locator(".o311-services a", has_text="need-lights").click()
    assert '"service_code": "need-lights"' in page.content()
