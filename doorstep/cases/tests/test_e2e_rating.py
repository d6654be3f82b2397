"""In a real browser at phone width (390 px): a resident scans the QR code of a completed case's
receipt, proves the case is theirs, and rates it very dissatisfied; the community lead finds the
rectification on the home page, sees whom to call (masked), records what was done and the
callback, at which the resident rates again; the clerk who was rated sees the rating but never
the rater. Then, at desk width, the district lead opens the dashboard, drills down from the
district to the case's compound, follows the bad ratings' figure to the items behind it, and
downloads their ledger, which is opened and checked here.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from conftest import PHONE, fits, login, needs_chromium, shot

DESK = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_a_bad_rating_from_the_receipt_to_the_callback(
    live_server, transactional_db, personas, browser, settings, make_case, make_resident,
    django_user_model,
):  # fmt: skip
    from playwright.sync_api import expect

    from doorstep.cases.actions import do_transition
    from doorstep.cases.pdf import tracking_url
    from doorstep.feedback.models import Rating, Rectification
    from doorstep.insight.models import LedgerExport
    from doorstep.places.models import Area
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    settings.DOORSTEP_PUBLIC_URL = base
    lead = django_user_model.objects.create_user("lead_a", password="pw", first_name="社区书记")
    RoleGrant.objects.create(user=lead, role=Role.COMMUNITY_LEAD, area=personas.area_a)
    resident = make_resident("欧阳晓燕", mobile="13912345678")
    case = make_case("accept", resident=resident)
    do_transition(case, "complete", actor=personas.clerk_a)

    # ---- the resident scans the receipt's QR code (the address the PDF prints) ----
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(tracking_url(None, case.receipt))
    page.fill("#id_digits", "5678")
    page.click("main button[type=submit]")
    expect(page.locator("#rate-link")).to_be_visible()
    page.click("#rate-link")
    expect(page.locator("#rate-form")).to_be_visible()
    assert "欧阳" not in page.content()
    page.check("#id_level_4")  # the fifth choice: very dissatisfied
    page.check("#id_attitude_5")
    page.fill("#id_comment", "窗口工作人员态度冷淡")
    assert fits(page)
    shot(page, "e2e-rating-1-rate")
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#rate-done")).to_contain_text("Thank you")
    rating = Rating.objects.get()
    assert (rating.level, rating.attitude, rating.source) == (1, 1, "receipt")

    # ---- the community lead rectifies and calls back ----
    rect = Rectification.objects.get()
    assert rect.owner == lead
    owner = login(browser, base, "lead_a", "/")
    expect(owner.locator("#open-rectifications")).to_contain_text(case.receipt)
    owner.click(f"#open-rectifications a:text('{case.receipt}')")
    expect(owner.locator("#contact")).to_have_text("欧阳晓燕 · 139****5678")
    owner.select_option("#id_outcome", value="on_spot")
    owner.fill("#id_account", "当面致歉，已约定由社区书记陪同办理后续事项")
    owner.check("#id_reached")
    owner.select_option("#id_solved", value="yes")
    owner.select_option("#id_satisfaction", value="4")
    owner.select_option("#id_new_level", value="4")
    assert fits(owner)
    shot(owner, "e2e-rating-2-settle")
    owner.click("#settle-form button[type=submit]")
    expect(owner.locator("#rect-status")).to_have_text("Done")
    expect(owner.locator("#rect-callback")).to_contain_text("Solved")
    assert Rating.objects.get(current=True).level == 4

    # ---- the clerk who was rated reads the rating, never the rater ----
    clerk = login(browser, base, "clerk_a", "/feedback/")
    expect(clerk.locator("#subject-list")).to_contain_text(case.receipt)
    clerk.click(f"#subject-list a:has-text('{case.receipt}')")
    expect(clerk.locator("#subject-title")).to_contain_text(case.receipt)
    assert "欧阳" not in clerk.content() and "5678" not in clerk.content()
    shot(clerk, "e2e-rating-3-clerk")

    # ---- the district lead: dashboard, drill-down, the items behind a figure, the ledger ----
    settings.DOORSTEP_METRIC_MIN_N = 1  # one rating: show its figures rather than "—"
    district = login(browser, base, "district_lead", "/dashboard/", viewport=DESK)
    expect(district.locator("#chart-trend canvas")).to_have_count(1)
    for code in (personas.area_a.code[:9], personas.area_a.code, personas.compound_a.code):
        district.click(f"#children tr[data-area='{code}'] a")
        expect(district.locator(".crumbs [aria-current=page]")).to_have_text(
            Area.objects.get(code=code).name
        )
    rectified = district.locator("#figures tr[data-metric='bad_rectified']")
    expect(rectified.locator(".figure-value")).to_have_text("100.0%")
    expect(rectified.locator(".figure-n")).to_have_text("1")
    shot(district, "e2e-rating-4-dashboard")
    rectified.locator("a.items-behind").click()
    expect(district.locator("#subject-list")).to_contain_text(case.receipt)
    with district.expect_download() as download:
        district.click("#export-ledger")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert [r[header.index("Reference")] for r in body] == [case.receipt]
    assert body[0][header.index("Rectification")] == "Done"
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "欧阳" not in text and "5678" not in text
    assert LedgerExport.objects.get().rows == 1
