"""In a real browser, one case from the desk downstairs to done: the clerk takes it in with one
material missing and issues the one-time notice; the resident comes back with it and the case
is accepted; the clerk forwards it to 民政, the department's reviewer approves it from the queue,
the clerk completes it, and the resident follows it on the public tracking page.

The time is not frozen here (time_machine and the live server's thread do not mix); dates are
whatever today is, with the real holiday table."""

from __future__ import annotations

import re

import pytest

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


def log_in(page, base: str, username: str, then: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")
    expect(page).to_have_url(f"{base}{then}")


def log_out(page) -> None:
    from playwright.sync_api import expect

    page.click(".logout button")
    expect(page.locator("#id_username")).to_be_visible()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-cases-{name}.png"), full_page=True)


def assert_pdf(page, base: str, link) -> None:
    """The link answers a PDF (fetched with the page's own session cookie)."""
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_a_case_from_the_desk_to_done(
    live_server,
    transactional_db,
    personas,
    service,
    materials,
    make_resident,
    holidays,
    browser,
    settings,
):
    from playwright.sync_api import expect

    from doorstep.cases.models import Case

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    resident = make_resident("张景林", mobile="13812345678")

    # ---- intake at the desk, on the clerk's tablet ----
    clerk = browser.new_page(viewport={"width": 600, "height": 1000})
    log_in(clerk, base, "clerk_a", f"/residents/{resident.pk}/")
    clerk.click("#new-case")
    expect(clerk.locator("h1")).to_contain_text("张景林")
    clerk.locator("#service-q").press_sequentially("残疾", delay=50)
    clerk.locator("#service-results a.result", has_text=service.name).click()
    expect(clerk.locator("h1")).to_have_text(service.name)
    assert fits(clerk)
    for material in (materials.id_card, materials.disability, materials.proof):
        clerk.check(f"#provided-{material.pk}")
    # The application form (申请表) is missing.
    shot(clerk, "1-checklist")
    clerk.click("button[name=outcome][value=notice]")
    expect(clerk).to_have_url(re.compile(r"/cases/\d+/$"))
    latest = clerk.locator("#latest-document")
    expect(latest).to_contain_text("One-time notice")
    expect(latest).to_contain_text("申请表")
    expect(clerk.locator(".case-status")).to_have_text("Awaiting materials")
    assert fits(clerk)
    shot(clerk, "2-notice")
    assert_pdf(clerk, base, clerk.locator("#latest-pdf"))
    case = Case.objects.get()
    assert case.status == "awaiting_materials"

    # ---- the resident comes back with the application form ----
    receive = clerk.locator("#act-receive")
    receive.locator("label", has_text="申请表").click()
    receive.locator("button[value=accept]").click()
    expect(clerk.locator(".case-status")).to_have_text("Accepted")
    expect(clerk.locator("#latest-document")).to_contain_text("Acceptance receipt")
    expect(clerk.locator("#trips")).to_contain_text("came back 1 time (0 allowed)")
    receipt = clerk.locator("#receipt").inner_text().strip()
    assert receipt == Case.objects.get().receipt
    shot(clerk, "3-accepted")
    assert_pdf(clerk, base, clerk.locator("#latest-pdf"))

    # ---- forwarded to 民政 (the service's department, preselected) ----
    forward = clerk.locator("#act-forward")
    expect(forward.locator("select")).to_have_value(str(service.department_id))
    forward.locator("button[type=submit]").click()
    expect(clerk.locator(".case-status")).to_have_text("Forwarded to department")
    log_out(clerk)

    # ---- the department's reviewer approves from the queue ----
    log_in(clerk, base, "reviewer", "/cases/queue/")
    row = clerk.locator("#case-list a.result", has_text=receipt)
    expect(row).to_have_count(1)
    shot(clerk, "4-queue")
    row.click()
    clerk.locator("#act-approve button[type=submit]").click()
    expect(clerk.locator(".case-status")).to_have_text("In progress")
    log_out(clerk)

    # ---- the clerk completes it ----
    log_in(clerk, base, "clerk_a", f"/cases/{case.pk}/")
    clerk.locator("#act-complete input[name=result][value=granted]").check()
    clerk.locator("#act-complete input[name=delivery][value=desk]").check()
    clerk.locator("#act-complete button[type=submit]").click()
    expect(clerk.locator(".case-status")).to_have_text("Completed")
    shot(clerk, "5-completed")
    assert Case.objects.get().status == "completed"

    # ---- the resident follows it on her phone, from the QR code's address ----
    phone = browser.new_page(viewport={"width": 320, "height": 700})
    phone.goto(f"{base}/cases/track/?receipt={receipt}")
    expect(phone.locator("#id_receipt")).to_have_value(receipt)
    phone.fill("#id_digits", "5678")
    phone.click("button[type=submit]:text('Show my matter')")
    tracked = phone.locator("#tracked")
    expect(tracked).to_contain_text("Completed")
    expect(phone.locator("#applicant")).to_have_text("张**")
    expect(phone.locator("#timeline")).to_contain_text("Forwarded to department")
    assert "张景林" not in phone.content() and "13812345678" not in phone.content()
    assert fits(phone)
    shot(phone, "6-tracking")
