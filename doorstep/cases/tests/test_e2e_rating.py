"""In a real browser at phone width (390 px): a resident scans the QR code of a completed case's
receipt, proves the case is theirs, and rates it very dissatisfied; the community lead finds the
rectification on the home page, sees whom to call (masked), records what was done and the
callback, at which the resident rates again; the clerk who was rated sees the rating but never
the rater.

The time is not frozen here (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import pytest

from conftest import PHONE, fits, login, needs_chromium, shot

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_a_bad_rating_from_the_receipt_to_the_callback(
    live_server, transactional_db, personas, browser, settings, make_case, make_resident,
    django_user_model,
):  # fmt: skip
    from playwright.sync_api import expect

    from doorstep.cases.actions import do_transition
    from doorstep.cases.pdf import tracking_url
    from doorstep.feedback.models import Rating, Rectification
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
