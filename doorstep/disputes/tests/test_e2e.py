"""In a real browser at phone width (390 px): a mediator registers a dispute with two parties,
both acknowledge the notice of rights and duties, she holds a session, records a written
agreement, downloads its PDF (read back: the parties and the terms are in it), records the
callback and closes the file.

The time is not frozen here (time_machine and the live server's thread do not mix); dates are
whatever today is."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from conftest import ARTIFACTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

TERMS = "张三赔偿李四修复费用人民币贰仟元整"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-disputes-{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_dispute_from_registration_to_closed(
    live_server, transactional_db, personas, browser, settings
):
    from playwright.sync_api import expect

    from doorstep.catalogue import pdf as catalogue_pdf
    from doorstep.disputes.models import Dispute

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base}/login/?next=/disputes/new/")
    page.fill("#id_username", "mediator_a")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")
    expect(page).to_have_url(f"{base}/disputes/new/")

    # ---- register with two parties ----
    page.select_option("#id_source", "application")
    page.select_option("#id_type", "neighbours")
    page.fill("#id_summary", "楼上漏水致楼下天花板受损，双方就赔偿发生争执。")
    page.select_option("#id_area", str(personas.compound_a.pk))
    page.fill("#id_p1-name", "张三")
    page.fill("#id_p1-phone", "13900001111")
    page.fill("#id_p2-name", "李四")
    assert fits(page)
    shot(page, "1-register")
    page.click("#register button[type=submit]")
    expect(page).to_have_url(re.compile(r"/disputes/\d+/$"))
    expect(page.locator(".dispute-status")).to_have_text("Registered")
    expect(page.locator("#parties")).to_contain_text("139****1111")
    expect(page.locator("#session-blocked")).to_be_visible()
    assert "13900001111" not in page.content()

    # ---- both parties acknowledge the notice ----
    for signed in (1, 2):
        page.locator("#parties form button[type=submit]").first.click()
        expect(page.locator("#parties .notice-done")).to_have_count(signed)
    assert fits(page)
    shot(page, "2-notices")

    # ---- a session ----
    session = page.locator("#act-session")
    session.locator("#id_place").fill("社区人民调解室")
    session.locator("#id_attendees").fill("张三、李四、吴刚")
    session.locator("#id_record").fill("双方陈述，同意协商赔偿。")
    session.locator("button[type=submit]").click()
    expect(page.locator(".dispute-status")).to_have_text("In mediation")
    expect(page.locator("#sessions")).to_contain_text("社区人民调解室")

    # ---- a written agreement ----
    outcome = page.locator("#act-outcome")
    outcome.locator("#id_outcome").select_option("written")
    outcome.locator("#id_responsibility").fill("漏水系张三家水管老化所致，张三承担责任。")
    outcome.locator("#id_terms").fill(TERMS)
    outcome.locator("#id_performance_how").fill("现金一次性支付")
    outcome.locator("#id_performance_where").fill("社区人民调解室")
    shot(page, "3-outcome")
    outcome.locator("button[type=submit]").click()
    expect(page.locator(".dispute-status")).to_have_text("Agreement reached")
    expect(page.locator("#terms")).to_contain_text(TERMS)
    assert fits(page)
    shot(page, "4-agreement")

    # ---- the agreement's PDF, read back ----
    link = page.locator("#agreement-pdf")
    response = page.request.get(base + link.get_attribute("href"))
    if catalogue_pdf.problem() is None:
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.body()))
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
        assert "张三" in text and "李四" in text and TERMS in text
        (ARTIFACTS / "e2e-disputes-agreement.pdf").write_bytes(response.body())

    # ---- the callback, then close ----
    callback = page.locator("#act-callback")
    callback.locator("#id_performance").select_option("kept")
    callback.locator("#id_satisfaction").select_option("4")
    callback.locator("#id_notes").fill("已当面付清。")
    callback.locator("button[type=submit]").click()
    expect(page.locator("#callback")).to_contain_text("Kept")
    page.locator("#act-close button[type=submit]").click()
    expect(page.locator(".dispute-status")).to_have_text("Closed")
    expect(page.locator('#checklist [data-item="callback"]')).to_have_attribute("data-state", "in")
    assert fits(page)
    shot(page, "5-closed")
    assert Dispute.objects.get().status == "closed"
