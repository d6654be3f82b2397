"""In a real browser on a phone (390 px wide): the grid worker opens the worklist, logs a visit
at the door while the connection is gone, sees it kept on the phone, and sees it land once when
the connection returns — also when the phone sends it a second time. Then a visit with a photo,
online.

The time is not frozen here (time_machine and the live server's thread do not mix): the visit is
logged at the browser's "now"."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, needs_chromium

from .conftest import build_street, png

pytestmark = [pytest.mark.e2e, needs_chromium]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-visits-{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visit_logged_offline_lands_once(
    live_server, transactional_db, personas, make_resident, rules, browser, settings, tmp_path
):
    from playwright.sync_api import expect

    from doorstep.visits.models import Visit

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    street = build_street(personas, make_resident)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/login/?next=/visits/")
    page.fill("#id_username", "grid_a")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")
    expect(page.locator("h1")).to_have_text("Due for a visit")
    expect(page.locator(".due-row")).to_have_count(2)
    # The page's script stores the list once it has run: wait for it, not just for the rows.
    page.wait_for_function("localStorage.getItem('doorstep.visits.due') !== null")
    assert page.evaluate("JSON.parse(localStorage.getItem('doorstep.visits.due')).rows.length") == 2
    assert fits(page)
    shot(page, "1-worklist")

    # ---- at the door, no connection ----
    page.locator(".due-row", has_text="张桂兰").get_by_role("link", name="Log a visit").click()
    expect(page.locator("h1")).to_have_text("Log a visit")
    assert fits(page)
    context.set_offline(True)
    page.get_by_label("Met the household").check()
    page.get_by_label("张桂兰").check()
    page.locator("#id_finding_kind_0").select_option("fire")
    page.locator("#id_finding_count_0").fill("2")
    page.locator("#id_finding_text_0").fill("楼道堆放纸箱")
    page.locator("#id_followups").fill("联系物业清理")
    page.get_by_role("button", name="Save the visit").click()
    expect(page.locator("#visits-offline")).to_contain_text("saved on this phone")
    assert page.evaluate("JSON.parse(localStorage.getItem('doorstep.visits.queue')).length") == 1
    assert not Visit.objects.exists()
    shot(page, "2-saved-offline")

    # ---- the connection returns: sent once ----
    queued = page.evaluate("localStorage.getItem('doorstep.visits.queue')")
    context.set_offline(False)
    expect(page.locator("#visits-offline")).to_contain_text("have been sent", timeout=10_000)
    assert page.evaluate("JSON.parse(localStorage.getItem('doorstep.visits.queue')).length") == 0
    visit = Visit.objects.get()
    assert visit.household_id == street.alone_a.pk and visit.outcome == "met"
    assert [(f.kind, f.count) for f in visit.findings.all()] == [("fire", 2)]
    assert list(visit.met.values_list("name", flat=True)) == ["张桂兰"]

    # ---- the phone sends it again (the answer was lost): still one visit ----
    page.evaluate("q => localStorage.setItem('doorstep.visits.queue', q)", queued)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("JSON.parse(localStorage.getItem('doorstep.visits.queue')).length === 0")
    assert Visit.objects.count() == 1
    shot(page, "3-sent")

    # ---- online, with a photo ----
    page.goto(f"{base}/visits/log/{street.disabled_a.pk}/")
    page.get_by_label("Nobody home").check()
    photo = tmp_path / "door.png"
    photo.write_bytes(png(400))
    page.locator("#id_photos").set_input_files(str(photo))
    page.get_by_role("button", name="Save the visit").click()
    expect(page.locator(".messages")).to_contain_text("Visit logged.")
    expect(page.locator(".photos img")).to_have_count(1)
    assert fits(page)
    shot(page, "4-visit")
    assert Visit.objects.count() == 2
    context.close()
