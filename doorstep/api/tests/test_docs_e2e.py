"""The docs page in a real browser with every request off this server refused: Swagger UI
loads from our own static files and lists the operations (district networks are often offline)."""

from __future__ import annotations

import pytest

from conftest import needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_the_docs_page_works_offline(live_server, transactional_db, browser):
    from playwright.sync_api import expect

    page = browser.new_page()
    outside: list[str] = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/cases/checklist/")).to_be_visible()
    assert outside == []
