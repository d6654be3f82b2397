"""In a real browser at 320 px in elderly mode: a resident finds her compound's desk from the
site root (by name and by pinyin) and books from a guide (guide → desk → slot → booked). Then
axe-core (WCAG 2.2 AA) over every public page, in normal and elderly mode (in English and in
Simplified Chinese), at 320 px: zero violations, and no sideways scrolling.

The clock runs from Tuesday 2026-12-01 08:00 in Shanghai (the live server needs it running)."""

from __future__ import annotations

import datetime
import re

import pytest

from conftest import (
    NARROW,
    SMALLEST_MAIN_TEXT,
    elderly_page,
    fits,
    main_text_px,
    needs_chromium,
    shot,
)
from doorstep.cases.tests.conftest import (  # noqa: F401  (fixtures)
    holidays,
    make_case,
    materials,
    resident,
    service,
)
from doorstep.desks.tests.conftest import NOW, TOMORROW, otp_for
from doorstep.proactive.tests.conftest import department, make_programme  # noqa: F401

pytestmark = [pytest.mark.e2e, needs_chromium]

PHONES = {"normal": "13900000001", "elderly": "13900000002", "elderly-zh": "13900000003"}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def running_clock():
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def front(live_server, transactional_db, personas, settings, running_clock):
    """The sample catalogue, and a desk in 二印小区 offering 最低生活保障 (mz-001) tomorrow."""
    from doorstep.catalogue import sample
    from doorstep.catalogue.loader import load_catalogue
    from doorstep.catalogue.models import Service
    from doorstep.desks.actions import do_generate_sessions
    from doorstep.desks.choices import DeskKind, ExceptionKind
    from doorstep.desks.models import Desk, DeskException

    settings.LANGUAGE_CODE = "en"
    load_catalogue(rows=[r for r in sample.SERVICES if r[0] in {"mz-001", "ga-006", "rs-007"}])
    desk = Desk.objects.create(name="二印小区服务台", kind=DeskKind.FIXED, area=personas.compound_a)
    desk.services.set(Service.objects.filter(code__in=["mz-001", "rs-007"]))
    DeskException.objects.create(
        desk=desk, date=TOMORROW, kind=ExceptionKind.OPEN,
        start=datetime.time(9), end=datetime.time(10), capacity=3, slot_minutes=30,
    )  # fmt: skip
    do_generate_sessions(desk, TOMORROW, TOMORROW)
    return live_server.url


def book_from_guide(page, base: str, phone: str = "13912345678") -> str:
    """Guide → the desk that offers it → a slot → the form → the code sent by SMS → booked."""
    from playwright.sync_api import expect

    from doorstep.desks.models import Appointment

    page.goto(f"{base}/services/mz-001/")
    expect(page.locator("#where-to-go")).to_be_visible()
    assert fits(page)
    page.locator(".offer-book").first.click()
    expect(page.locator("h1")).to_contain_text("二印小区")
    page.locator(".slot-list a").first.click()
    expect(page.locator("#id_service")).to_be_visible()
    assert fits(page)
    page.select_option("#id_service", "mz-001")
    page.fill("#id_name", "龚秀英")
    page.fill("#id_phone", phone)
    page.fill("#id_id_last4", "123x")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desks/confirm/[A-Z0-9]{6}/$"))
    assert fits(page)
    code = page.url.rstrip("/").rsplit("/", 1)[1]
    page.fill("#id_otp", otp_for(Appointment.objects.get(code=code)))
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desks/booked/[A-Z0-9]{6}/$"))
    expect(page.locator("#booking-code")).to_have_text(code)
    return code


def test_resident_finds_her_compound_and_books_from_a_guide(front, personas, browser):
    from playwright.sync_api import expect

    from doorstep.desks.choices import AppointmentStatus
    from doorstep.desks.models import Appointment

    base = front
    page = elderly_page(browser, base)
    assert main_text_px(page) >= 24
    compound = personas.compound_a
    for query in ("二印", "eryin"):
        page.goto(f"{base}/")
        page.fill("#compound-q", query)
        page.locator("#compound-q").press("Enter")
        result = page.locator(f"#compound-{compound.code}")
        expect(result).to_be_visible()
        assert fits(page)
        shot(page, f"e2e-front-find-{query}")
        result.click()
        expect(page).to_have_url(f"{base}/desks/compound/{compound.code}/")
        expect(page.locator("h1")).to_contain_text("二印小区")
        assert page.locator(".slot-list a").count() == 2
        assert fits(page) and main_text_px(page) >= 24

    code = book_from_guide(page, base)
    assert main_text_px(page) >= 24 and fits(page)
    shot(page, "e2e-front-booked")
    booked = Appointment.objects.get(code=code)
    assert booked.status == AppointmentStatus.BOOKED and booked.service.code == "mz-001"

    page.set_viewport_size({"width": 390, "height": 844})  # a common phone, too
    for path in ("/", "/compounds/?q=eryin", "/services/mz-001/", f"/desks/booked/{code}/"):
        page.goto(f"{base}{path}")
        assert fits(page), path


def test_public_pages_pass_axe_in_both_modes(
    front, personas, browser, make_case, make_resident, make_programme  # noqa: F811
):  # fmt: skip
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    from doorstep.cases.actions import do_transition
    from doorstep.cases.tracking import rating_link
    from doorstep.proactive import actions as proactive
    from doorstep.proactive.models import Entitlement

    base = front
    case = make_case("accept", resident=make_resident("欧阳晓燕", mobile="13812345678"))
    do_transition(case, "complete", actor=personas.clerk_a)
    programme = make_programme(
        "meals", "age >= 85", name="老年助餐补贴", mode="offer", amount="3.00",
        policy="85周岁以上老人每餐补贴3元，需本人确认。",
    )  # fmt: skip
    elder = make_resident("王老太", birth=datetime.date(1935, 5, 1))
    proactive.do_run_programme(programme)
    token = Entitlement.objects.get(programme=programme, resident=elder).token
    rate = rating_link(case, "tracking")
    assert rate

    axe = Axe()
    failures = []
    # English (the msgids: every string of the page is there) and the residents' own language.
    for mode in ("normal", "elderly", "elderly-zh"):
        if mode == "normal":
            page = browser.new_context(viewport=NARROW).new_page()
        else:
            page = elderly_page(browser, base)
        if mode == "elderly-zh":
            page.locator(".language-switch button[value=zh-hans]").click()
            page.wait_for_selector("html[lang=zh-hans]")

        def check(name: str, page=page, mode=mode) -> None:
            page.wait_for_load_state()
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
            if results.violations_count:
                failures.append(f"{mode} {name} {page.url}\n{results.generate_report()}")
            if not fits(page):
                failures.append(f"{mode} {name} {page.url}: scrolls sideways at 320 px")
            if mode != "normal" and page.evaluate(SMALLEST_MAIN_TEXT) < 24:
                failures.append(f"{mode} {name} {page.url}: main text under 24 px")
            shot(page, f"e2e-front-axe-{mode}-{name}")

        for name, path in [
            ("home", "/"),
            ("find", "/compounds/?q=eryin"),
            ("find-error", "/compounds/?q=%21"),
            ("compound", f"/desks/compound/{personas.compound_a.code}/"),
            ("guides", "/services/"),
            ("guide", "/services/mz-001/"),
            ("track", "/cases/track/"),
            ("answer", f"/programmes/r/{token}/"),
            ("rate", rate),
            ("login", "/login/"),
            ("cancel", "/desks/cancel/"),
        ]:
            page.goto(f"{base}{path}")
            check(name)
        page.goto(f"{base}/desks/compound/{personas.compound_a.code}/")
        page.locator(".slot-list a").first.click()
        expect(page.locator("#id_service")).to_be_visible()
        check("book")
        page.locator("main button[type=submit]").click()  # empty: the form's errors
        expect(page.locator("#id_name")).to_be_visible()
        check("book-errors")
        book_from_guide(page, base, phone=PHONES[mode])
        check("booked")
        page.goto(f"{base}/cases/track/")
        page.fill("#id_receipt", case.receipt)
        page.fill("#id_digits", "5678")
        page.locator("main button[type=submit]").click()
        expect(page.locator("#rate-link")).to_be_visible()
        check("tracked")
    assert not failures, "\n\n".join(failures)
