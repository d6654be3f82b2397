"""In a real browser at 320 px, in elderly mode: a clerk opens the applications another system
filed, reveals the applicant's phone with a reason, takes one in for the resident the page
offers (the intake page carries the application through to the case) and declines another.
On every page: no sideways scrolling, main text at least 24 px.

The time is not frozen (time_machine and the live server's thread do not mix)."""

from __future__ import annotations

import pytest

from conftest import ARTIFACTS, NARROW, fits, login, main_text_px, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

PHONE = "13912345678"
# A long unbroken link, as a civic app pastes one: it must wrap, not widen the page.
DESCRIPTION = (
    "我父亲是二级肢体残疾，想申请困难残疾人生活补贴。\n"
    "照片见 https://example.cn/uploads/2026/12/0123456789abcdefghijklmnopqrstuvwxyz.jpg"
)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-applications-{name}.png"), full_page=True)


def roomy(page) -> bool:
    return fits(page) and main_text_px(page) >= 24


def test_a_clerk_takes_in_one_application_and_declines_another(
    live_server,
    transactional_db,
    personas,
    service,
    materials,
    make_resident,
    holidays,
    browser,
    settings,
    django_user_model,
):
    from playwright.sync_api import expect

    from doorstep.cases.actions import do_file_application
    from doorstep.cases.models import RemoteApplication
    from doorstep.staff.choices import Role
    from doorstep.staff.models import RoleGrant

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    system = django_user_model.objects.create_user("city-platform", first_name="城市服务平台")
    RoleGrant.objects.create(user=system, role=Role.CLERK, area=personas.area_a)
    contact = {"first_name": "建国", "last_name": "龚", "phone": PHONE}
    answers = {"relation": "父子", f"material-{materials.proof.pk}": "有，已拍照"}
    first = do_file_application(
        actor=system,
        service=service,
        compound=personas.compound_a,
        description=DESCRIPTION,
        attributes=answers,
        contact=contact,
        labels={"relation": "与申请人的关系"},
    )
    second = do_file_application(
        actor=system, service=service, compound=personas.compound_a, contact={"phone": PHONE}
    )
    resident = make_resident("龚建国", mobile=PHONE)

    # ---- the queue ----
    page = login(browser, base, "clerk_a", "/cases/applications/", viewport=NARROW, elderly=True)
    expect(page.locator("#application-list li")).to_have_count(2)
    expect(page.locator("#application-list")).to_contain_text("139****5678")
    assert PHONE not in page.content()
    assert roomy(page)
    shot(page, "1-queue")

    # ---- the application: what was sent, the phone revealed for a reason ----
    page.locator("#application-list a").first.click()
    expect(page.locator("#description")).to_contain_text("二级肢体残疾")
    expect(page.locator("#answers")).to_contain_text("与申请人的关系")
    assert roomy(page)
    page.fill("#reveal-phone-reason", "电话通知来社区办理")
    page.click("#reveal-phone button[type=submit]")
    expect(page.locator("#reveal-phone .revealed")).to_have_text(PHONE)
    assert roomy(page)
    shot(page, "2-application")

    # ---- taken in for the resident the page offers ----
    page.locator(".applicant-hits a").first.click()
    expect(page.locator("#intake-application")).to_be_visible()
    assert roomy(page)
    for pk in [*materials.required, materials.proof.pk]:
        page.check(f"#provided-{pk}")
    page.click("button[value='accept']")
    expect(page.locator("#receipt")).to_be_visible()
    expect(page.locator("#case-application")).to_be_visible()
    assert roomy(page)
    shot(page, "3-case")
    taken = RemoteApplication.objects.get(pk=first.pk)
    assert taken.status == "taken_in" and taken.case.resident == resident

    # ---- the other one declined ----
    page.goto(f"{base}/cases/applications/{second.pk}/")
    page.fill("#id_decline_reason", "该事项需本人到社区现场办理")
    page.click("#decline-form button[type=submit]")
    expect(page.locator("#application-list li")).to_have_count(0)
    assert roomy(page)
    assert RemoteApplication.objects.get(pk=second.pk).status == "declined"
