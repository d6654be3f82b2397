"""Photos of a visit logged with no connection: kept on the phone (IndexedDB) with the queued
visit, sent with it when the connection returns, each landing once; above the phone's cap
nothing is saved and the worker is told.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, needs_chromium

from .conftest import build_street, png

pytestmark = [pytest.mark.e2e, needs_chromium]

STORED = """() => new Promise(resolve => {
  const open = indexedDB.open("doorstep-visits", 1);
  open.onupgradeneeded = () => open.result
    .createObjectStore("photos", {keyPath: "id", autoIncrement: true})
    .createIndex("client_key", "client_key");
  open.onsuccess = () => {
    const all = open.result.transaction("photos").objectStore("photos").getAll();
    all.onsuccess = () => resolve(all.result.map(p => [p.name, p.size]));
  };
})"""
QUEUED = "JSON.parse(localStorage.getItem('doorstep.visits.queue') || '[]').length"


def _log_page(browser, base: str, household_pk: int):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/login/?next=/visits/log/{household_pk}/")
    page.fill("#id_username", "grid_a")
    page.fill("#id_password", "pw")
    page.click("form:has(#id_password) button[type=submit]")
    expect(page.locator("h1")).to_have_text("Log a visit")
    return context, page


def _fill(page, files) -> None:
    page.get_by_label("Met the household").check()
    page.get_by_label("张桂兰").check()
    page.locator("#id_notes").fill("门口照片两张")
    page.locator("#id_photos").set_input_files([str(f) for f in files])


def _photos(tmp_path, *sizes: int) -> list:
    files = []
    for n, size in enumerate(sizes):
        path = tmp_path / f"door{n}.png"
        path.write_bytes(png(size))
        files.append(path)
    return files


def test_photos_taken_offline_are_sent_with_the_visit(
    live_server, transactional_db, personas, make_resident, rules, browser, settings, tmp_path
):
    from playwright.sync_api import expect

    from doorstep.visits.models import Visit

    settings.LANGUAGE_CODE = "en"
    street = build_street(personas, make_resident)
    context, page = _log_page(browser, live_server.url, street.alone_a.pk)
    context.set_offline(True)
    _fill(page, _photos(tmp_path, 900, 1200))
    page.get_by_role("button", name="Save the visit").click()
    expect(page.locator("#visits-offline")).to_contain_text("its photos are saved on this phone")
    assert page.evaluate(QUEUED) == 1
    assert sorted(page.evaluate(STORED)) == [["door0.png", 900], ["door1.png", 1200]]
    assert not Visit.objects.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-visits-offline-photos.png"), full_page=True)

    context.set_offline(False)
    expect(page.locator("#visits-offline")).to_contain_text("have been sent", timeout=15_000)
    assert page.evaluate(QUEUED) == 0 and page.evaluate(STORED) == []
    visit = Visit.objects.get()
    assert sorted(visit.photos.values_list("size", flat=True)) == [900, 1200]
    assert visit.notes == "门口照片两张"
    context.close()


def test_photos_above_the_phones_cap_are_refused_clearly(
    live_server, transactional_db, personas, make_resident, rules, browser, settings, tmp_path
):
    from playwright.sync_api import expect

    from doorstep.visits.models import Visit

    settings.LANGUAGE_CODE = "en"
    settings.DOORSTEP_VISIT_OFFLINE_PHOTOS_MAX_BYTES = 2000
    street = build_street(personas, make_resident)
    context, page = _log_page(browser, live_server.url, street.alone_a.pk)
    context.set_offline(True)
    _fill(page, _photos(tmp_path, 900, 1200))  # 2,100 bytes: over the cap
    page.get_by_role("button", name="Save the visit").click()
    expect(page.locator("#visits-offline")).to_contain_text("too large to keep on this phone")
    assert page.evaluate(QUEUED) == 0 and page.evaluate(STORED) == []
    # Nothing was lost from the form: with the connection back, it is sent as it is.
    assert page.evaluate("document.getElementById('id_photos').files.length") == 2
    context.set_offline(False)
    page.get_by_role("button", name="Save the visit").click()
    expect(page.locator(".messages")).to_contain_text("Visit logged.")
    assert Visit.objects.get().photos.count() == 2
    context.close()
