"""Shared test fixtures: the demo place tree and named personas.

Persona areas: clerk A serves 七里一村社区 (420105006001), clerk B 晴川第一社区 (420105001001),
the street lead 琴断口街道 (420105006), the district lead all of 汉阳区; the reviewer is a
department reviewer with no view of the registry; the administrator (role, not superuser) runs
programmes and sees no residents; the outsider has an account and no grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

TEST_KEY = "dGVzdC1rZXktZm9yLWRvb3JzdGVwLXRlc3RzLW9ubHk="


@pytest.fixture(autouse=True, scope="session")
def _encryption_key():
    from django.conf import settings

    if not settings.DOORSTEP_ENCRYPTION_KEY:
        settings.DOORSTEP_ENCRYPTION_KEY = TEST_KEY


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Personas:
    clerk_a: object
    clerk_b: object
    grid_a: object
    grid_b: object  # a grid worker of community B
    mediator_a: object  # a mediator of community A
    mediator_b: object
    street_lead: object
    district_lead: object
    reviewer: object
    outsider: object
    admin: object  # a superuser
    administrator: object  # the administrator role (programmes), not a superuser
    area_a: object  # 七里一村社区
    area_b: object  # 晴川第一社区
    compound_a: object  # 二印小区
    compound_b: object


@pytest.fixture(autouse=True)
def _fresh_published_materials():
    """A published version's materials are read once per process, keyed by its id and its
    publication time. Tests roll their rows back and reuse ids, and two tests frozen at the
    same moment publish "the same" version: each test starts with an empty cache."""
    from doorstep.cases.materials import _published_materials

    _published_materials.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_throttles(request):
    """The throttle counts live in a database cache table that no model owns: a transactional
    test's flush leaves them, so clear them for the next test (other tests roll them back)."""
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        from django.core.cache import caches

        caches["throttle"].clear()


@pytest.fixture
def places(db):
    from doorstep.people.demo import seed_reference_data
    from doorstep.places.demo import build_places

    build_places()
    seed_reference_data()


@pytest.fixture
def personas(places, django_user_model) -> Personas:
    from doorstep.demo import create_personas
    from doorstep.places.models import Area

    create_personas(password="pw")
    users = {u.username: u for u in django_user_model.objects.all()}
    outsider = django_user_model.objects.create_user("outsider", password="pw")
    area_a = Area.objects.get(code="420105006001")
    area_b = Area.objects.get(code="420105001001")
    return Personas(
        clerk_a=users["clerk_a"],
        clerk_b=users["clerk_b"],
        grid_a=users["grid_a"],
        grid_b=users["grid_b"],
        mediator_a=users["mediator_a"],
        mediator_b=users["mediator_b"],
        street_lead=users["street_lead"],
        district_lead=users["district_lead"],
        reviewer=users["reviewer"],
        outsider=outsider,
        admin=users["admin"],
        administrator=users["programmes"],
        area_a=area_a,
        area_b=area_b,
        compound_a=Area.objects.get(code="420105006001001"),
        compound_b=Area.objects.get(code="420105001001001"),
    )


@pytest.fixture
def make_resident(personas):
    """make_resident(name="张景林", area=compound, **overrides) via the real action."""
    import datetime

    from doorstep.core import idnumber
    from doorstep.people.actions import do_create_resident

    counter = iter(range(1, 1000))

    def make(name: str = "张景林", area=None, birth=datetime.date(1950, 3, 7), **kw):
        number = kw.pop("id_number", None) or idnumber.make("420105", birth, next(counter))
        return do_create_resident(
            actor=personas.admin,
            name=name,
            id_number=number,
            area=area or personas.compound_a,
            **kw,
        )

    return make


# ---- real browser (Playwright driving Debian's Chromium) ---------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"
)
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 720}  # the smallest phone the issue asks for
# The smallest font size of the main text (paragraphs, list items, labels, fields, buttons).
SMALLEST_MAIN_TEXT = """Math.min(...[...document.querySelectorAll(
  'main :is(p, li, dd, dt, label, input, select, textarea, button)')]
  .filter(e => e.offsetParent !== null)
  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def shot(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/ (``name`` like "e2e-rating-1-rate")."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits(page) -> bool:
    """No sideways scrolling, once the page has loaded (with its stylesheet: before it, a
    field is as wide as its default columns)."""
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def main_text_px(page) -> float:
    """The font size of the smallest main text on the page (elderly mode wants 24 px)."""
    page.wait_for_load_state()
    return page.evaluate(SMALLEST_MAIN_TEXT)


def elderly_page(browser, base: str, *, viewport=NARROW):
    """A new browser context at ``viewport`` with elderly mode switched on by the switch in the
    header, as a resident would."""
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/")
    page.locator(".elderly-switch button").click()
    page.wait_for_selector("html.elderly")
    return page


def elderly_context(browser, base: str, *, viewport=NARROW):
    """A new browser context at ``viewport`` already in elderly mode: its cookie is set, as the
    switch (tested in ``elderly_page``) leaves it."""
    from doorstep.core.elderly import ELDERLY_COOKIE

    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": ELDERLY_COOKIE, "value": "1", "url": base}])
    return context


def login(
    browser, base: str, username: str, next_path: str = "/", *, viewport=PHONE, elderly=False
):
    """A new browser context (its own cookies) logged in as ``username`` (password "pw"),
    landing on ``next_path``; in elderly mode if ``elderly``."""
    if elderly:
        page = elderly_context(browser, base, viewport=viewport).new_page()
    else:
        page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]:text('Log in')")
    return page


@pytest.fixture
def browser(monkeypatch):
    playwright = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django must still be allowed to
    # use the database from it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()
