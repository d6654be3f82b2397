"""In a real browser at 320 px: a resident without a mobile phone tracks their case with the
receipt number (typed without its dash, in lower case) and the last 4 characters of their ID
number; a clerk finds a case in the list by the resident's name and exports the list as
filtered; asks for an extension that a street lead approves (the clerk cannot), and completes
the case with its result (granted, mailed, with the tracking number).

All in elderly mode (the resident switches it on; the staff's browsers carry its cookie): on
every page visited, no sideways scrolling at 320 px, and the main text is at least 24 px.

The time is not frozen (time_machine and the live server's thread do not mix): dates are
whatever today is, with the real holiday table."""

from __future__ import annotations

import io

import pytest

from conftest import (
    ARTIFACTS,
    NARROW,
    elderly_page,
    fits,
    login,
    main_text_px,
    needs_chromium,
)

pytestmark = [pytest.mark.e2e, needs_chromium]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-verbs-{name}.png"), full_page=True)


def log_in(browser, base: str, username: str, then: str):
    from playwright.sync_api import expect

    page = login(browser, base, username, then, viewport=NARROW, elderly=True)
    expect(page).to_have_url(f"{base}{then}")
    assert fits(page) and main_text_px(page) >= 24
    return page


def test_a_resident_without_a_mobile_tracks_their_case(
    live_server, transactional_db, make_case, resident, browser, settings
):
    from playwright.sync_api import expect

    settings.LANGUAGE_CODE = "en"
    case = make_case("notice")
    assert not case.resident.phone
    page = elderly_page(browser, live_server.url)
    page.goto(f"{live_server.url}/cases/track/")
    expect(page.locator("#id_digits_helptext")).to_contain_text("No mobile phone?")
    assert fits(page) and main_text_px(page) >= 24
    page.fill("#id_receipt", case.receipt.replace("-", "").lower())
    page.fill("#id_digits", "0000")  # a wrong try first
    page.click("button[type=submit]:text('Show my matter')")
    expect(page.locator("#track-not-found")).to_be_visible()
    assert fits(page)
    page.fill("#id_receipt", case.receipt.replace("-", "").lower())
    page.fill("#id_digits", resident.id_number()[-4:])
    page.click("button[type=submit]:text('Show my matter')")
    expect(page.locator("#tracked")).to_contain_text(case.receipt)
    expect(page.locator("#tracked")).to_contain_text("Awaiting materials")
    expect(page.locator("#still-needed")).to_contain_text("申请表")
    assert fits(page) and main_text_px(page) >= 24
    assert "张景林" not in page.content()
    shot(page, "1-tracked-without-phone")


def test_a_clerk_filters_exports_extends_and_completes(
    live_server, transactional_db, personas, make_case, make_resident, browser, settings
):
    import openpyxl
    from playwright.sync_api import expect

    from doorstep.cases.models import Case

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    mine = make_case("accept")
    other = make_case("accept", resident=make_resident("李秀英"))

    # ---- the list, searched by the resident's name, and its export ----
    clerk = log_in(browser, base, "clerk_a", "/cases/")
    clerk.fill("#id_q", "张景林")
    clerk.click("form.filters button[type=submit]")
    rows = clerk.locator("#case-list li")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(mine.receipt)
    assert fits(clerk)
    shot(clerk, "2-list-filtered")
    href = clerk.locator("#export-ledger").get_attribute("href")
    response = clerk.request.get(base + href)
    assert response.status == 200
    book = openpyxl.load_workbook(io.BytesIO(response.body()))
    receipts = {r[0] for ws in book.worksheets for r in list(ws.iter_rows(values_only=True))[1:]}
    assert receipts == {mine.receipt} and other.receipt not in receipts

    # ---- the clerk asks for an extension; the clerk cannot approve it ----
    rows.first.locator("a").click()
    expect(clerk.locator(".case-status")).to_be_visible()
    assert fits(clerk) and main_text_px(clerk) >= 24
    clerk.locator("#more-extension summary").click()
    clerk.fill("#id_extend_days", "5")
    clerk.fill("#id_extend_reason", "需实地核查家庭情况")
    clerk.click("#act-extension button[type=submit]")
    expect(clerk.locator("#extension-waiting")).to_be_visible()
    expect(clerk.locator("#act-decide-extension")).to_have_count(0)
    assert fits(clerk)
    shot(clerk, "3-extension-asked")
    due_before = Case.objects.get(pk=mine.pk).due_on

    # ---- the street lead approves it ----
    lead = log_in(browser, base, "street_lead", f"/cases/{mine.pk}/")
    lead.click("#act-decide-extension button[value='1']")
    expect(lead.locator(".extension-status")).to_have_text("Approved")
    assert fits(lead)
    shot(lead, "4-extension-approved")
    after = Case.objects.get(pk=mine.pk)
    assert after.extended_days == 5 and after.due_on > due_before

    # ---- the clerk completes it with its result ----
    clerk.goto(f"{base}/cases/{mine.pk}/")
    assert fits(clerk)
    form = clerk.locator("#act-complete")
    form.locator("input[name=result][value=granted]").check()
    form.locator("input[name=delivery][value=mail]").check()
    form.locator("button[type=submit]").click()  # no tracking number yet: refused
    expect(clerk.locator(".messages, [role=alert]").first).to_contain_text("tracking number")
    assert fits(clerk)
    assert Case.objects.get(pk=mine.pk).status == "accepted"
    form = clerk.locator("#act-complete")
    form.locator("input[name=result][value=granted]").check()
    form.locator("input[name=delivery][value=mail]").check()
    form.locator("input[name=tracking_no]").fill("SF1234567890")
    form.locator("input[name=certificate_no]").fill("鄂残2026001")
    form.locator("button[type=submit]").click()
    expect(clerk.locator(".case-status")).to_have_text("Completed")
    expect(clerk.locator("#delivery")).to_contain_text("SF1234567890")
    assert fits(clerk) and main_text_px(clerk) >= 24
    shot(clerk, "5-completed")
    done = Case.objects.get(pk=mine.pk)
    assert (done.result, done.tracking_no, done.certificate_no) == (
        "granted",
        "SF1234567890",
        "鄂残2026001",
    )
