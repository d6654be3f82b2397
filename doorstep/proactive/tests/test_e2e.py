"""In a real browser, on a 320 px phone: an administrator writes a money programme with a typo
in its rule, sees where the typo is as she types, fixes it, saves; it starts switched off and,
once switched on, cannot run until a second person approves it; she previews, is asked to
confirm the run with its count and amount, runs it and watches the run finish; the resident
opts out (asked to confirm first); then a desk clerk opens the why-not page for a resident the
programme did not reach. Every browser is in elderly mode (the cookie its switch sets) at
320 px: no page scrolls sideways, and the main text is at least 24 px.

The time is not frozen here (time_machine and the live server's thread do not mix): residents'
birth dates are chosen far enough from the 80th birthday to hold whatever today is. The run is
taken by a "worker" (this test's thread) while the run page polls for its progress."""

from __future__ import annotations

import datetime
import re

import pytest

from conftest import ARTIFACTS, elderly_context, fits, login, main_text_px, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]
TALL = {"width": 320, "height": 900}


def log_in(browser, base: str, username: str, then: str):
    """A 320 px browser in elderly mode, logged in as ``username`` and landed on ``then``."""
    from playwright.sync_api import expect

    page = login(browser, base, username, then, viewport=TALL, elderly=True)
    expect(page).to_have_url(f"{base}{then}")
    assert fits(page) and main_text_px(page) >= 24
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-programmes-{name}.png"), full_page=True)


def test_a_programme_from_its_rule_to_why_not(
    live_server, transactional_db, personas, department, make_resident, browser, settings
):
    from playwright.sync_api import expect

    from doorstep.proactive import actions
    from doorstep.proactive.models import Programme, ProgrammeRun

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    soon = datetime.date.today() + datetime.timedelta(days=30)
    # 85 or 86 whatever today is; 79, turning 80 in about a month.
    make_resident("王老太", birth=datetime.date(soon.year - 86, 6, 1))
    young = make_resident(
        "李大爷", birth=datetime.date(soon.year - 80, soon.month, min(soon.day, 28))
    )

    # ---- the administrator writes the programme, with a typo ----
    admin = log_in(browser, base, "admin", "/programmes/")
    admin.click("#new-programme")
    expect(admin.locator("#id_grant_rule")).to_be_visible()
    assert fits(admin) and main_text_px(admin) >= 24
    admin.fill("#id_name", "高龄津贴")
    admin.fill("#id_code", "elderly-80")
    admin.select_option("#id_department", str(department.pk))
    admin.select_option("#id_period", "monthly")
    admin.fill("#id_amount", "50")
    admin.fill("#id_policy", "年满80周岁按月发放，无需申请。")
    rule = admin.locator("#id_grant_rule")
    rule.press_sequentially('age >= 80 && stauts == "active"', delay=10)
    check = admin.locator("#check-grant_rule")
    expect(check.locator(".error")).to_contain_text("line 1, column 14")
    expect(check).to_contain_text("stauts")
    assert fits(admin)
    shot(admin, "1-typo")
    # Saving anyway is refused, with the same positioned error, and writes nothing.
    # Wait for the refused page itself: the page before the POST shows the same error, and
    # typing into it while the answer is on its way loses the typing to the navigation.
    with admin.expect_navigation():
        admin.click("#save-programme")
    expect(admin.locator("#check-grant_rule .error")).to_contain_text("line 1, column 14")
    assert not Programme.objects.exists() and fits(admin)
    admin.locator("#id_grant_rule").fill('age >= 80 && status == "active"')
    admin.locator("#id_grant_rule").press("End")
    expect(admin.locator("#check-grant_rule")).to_contain_text("The rule is valid.")
    admin.click("#save-programme")
    expect(admin.locator("h1")).to_have_text("高龄津贴")
    assert fits(admin) and main_text_px(admin) >= 24
    programme = Programme.objects.get(code="elderly-80")

    # ---- switched off when new; switched on, it still waits for a second person ----
    expect(admin.locator("#run-now")).to_be_disabled()
    admin.click("#switch-on")
    expect(admin.locator("#switch-off")).to_be_visible()
    expect(admin.locator("#run-now")).to_be_disabled()
    expect(admin.locator("#run-needs-approval")).to_be_visible()
    expect(admin.locator("#approve-other")).to_be_visible()  # not hers to approve
    assert admin.locator("#approve").count() == 0
    assert fits(admin)
    shot(admin, "1b-awaits-approval")
    checker = log_in(browser, base, "programmes", f"/programmes/{programme.pk}/")
    checker.click("#approve")
    expect(checker.locator("#approved-by")).to_contain_text("孙丽")
    assert fits(checker)
    shot(checker, "1c-approved")
    checker.close()
    admin.reload()
    expect(admin.locator("#run-now")).to_be_enabled()
    assert fits(admin)

    # ---- preview: counts, the total and a sample, nothing written ----
    admin.click("#preview-button")
    expect(admin.locator("#preview-granted")).to_have_text("1")
    expect(admin.locator("#preview-total")).to_have_text("50.00 yuan")
    expect(admin.locator("#sample-granted")).to_contain_text("王老太")
    assert not ProgrammeRun.objects.exists() and fits(admin)
    shot(admin, "2-preview")

    # ---- run now, and watch it finish ----
    admin.click("#run-now")
    expect(admin.locator("#confirm-granted")).to_have_text("1")
    expect(admin.locator("#confirm-total")).to_have_text("50.00 yuan")
    expect(admin.locator("#confirm-text")).to_contain_text("paying 50.00 yuan in all")
    assert not ProgrammeRun.objects.exists() and fits(admin)
    shot(admin, "2b-confirm")
    admin.click("#confirm-run")
    expect(admin).to_have_url(re.compile(r"/programmes/runs/\d+/$"))
    expect(admin.locator("#run-progress")).to_have_attribute("data-status", "queued")
    assert fits(admin) and main_text_px(admin) >= 24
    run = ProgrammeRun.objects.get()
    actions.do_run_programme(programme, run=run)  # the worker takes it
    expect(admin.locator("#run-progress")).to_have_attribute("data-status", "done", timeout=10000)
    expect(admin.locator("#run-granted")).to_have_text("1")
    assert fits(admin)
    shot(admin, "3-run-done")
    admin.click(".back a")
    expect(admin.locator("#run-history")).to_contain_text("v1")
    assert fits(admin)
    admin.click(".back a")
    expect(admin.locator("#programme-elderly-80")).to_contain_text("1 granted")
    assert fits(admin)
    shot(admin, "3b-list")

    # ---- 王老太 opens the link in her message on her phone, and opts out ----
    from doorstep.proactive.models import Entitlement, OptOut

    granted = Entitlement.objects.get()
    phone = elderly_context(browser, base).new_page()
    phone.goto(f"{base}/programmes/r/{granted.token}/")
    expect(phone.locator("#answer-status")).to_contain_text("granted to you")
    assert fits(phone) and main_text_px(phone) >= 24
    expect(phone.locator("#recipient")).to_have_text("王**")
    phone.click("#answer-opt-out")
    expect(phone.locator("#opt-out-confirm")).to_be_visible()
    assert fits(phone)
    assert not OptOut.objects.exists()
    phone.click("#answer-opt-out-confirm")
    expect(phone.locator(".messages")).to_contain_text("You have opted out")
    expect(phone.locator("#answer-state")).to_have_text("Opted out")
    expect(phone.locator("#answer-opt-in")).to_be_visible()
    assert OptOut.objects.filter(resident=granted.resident_id).exists()
    assert "王老太" not in phone.content()
    assert fits(phone)
    shot(phone, "4-opted-out")

    # ---- at the desk: why didn't 李大爷 get it? ----
    clerk = log_in(browser, base, "clerk_a", f"/residents/{young.pk}/")
    section = clerk.locator("#resident-programmes")
    expect(section.get_by_role("link", name="高龄津贴")).to_be_visible()
    shot(clerk, "4b-resident")
    section.get_by_role("link", name="高龄津贴").click()
    expect(clerk.locator("#outcome")).to_be_visible()
    tree = clerk.locator("#grant-tree")
    expect(tree.locator(".node-condition.no").first).to_contain_text("79")
    expect(tree.locator(".node-condition.no").first).to_contain_text("not yet 80")
    expect(tree.locator(".node-condition.yes").first).to_contain_text("Living here")
    expect(clerk.locator("#outcome")).not_to_contain_text("age >=")
    assert fits(clerk) and main_text_px(clerk) >= 24
    shot(clerk, "5-why-not")
