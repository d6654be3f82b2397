"""The guide's places carry their own contact details: each desk its own phone (not the matter's
enquiry phone), each street and community service centre its address, hours and phone; the PDF
shows the same. A bad phone is refused in the admin with a clear error and changes nothing; the
admin pages are an administrator's only."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from doorstep.catalogue import pdf
from doorstep.catalogue.tests.conftest import catalogue, dibao  # noqa: F401  (fixtures)
from doorstep.core.phone import check_contact
from doorstep.desks.tests.conftest import (  # noqa: F401  (fixtures)
    frozen,
    make_desk,
    open_session,
    services,
)

ENQUIRY = "12345"  # the sample catalogue's enquiry phone
DESK_PHONE = "027-80009911"
QINGCHUAN = "420105001"  # 晴川街道
QINGCHUAN_ONE = "420105001001"  # 晴川第一社区


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def offering_desk(personas, dibao, make_desk, open_session):  # noqa: F811
    desk = make_desk(phone=DESK_PHONE)
    desk.services.add(dibao)
    open_session(desk)
    return desk


def _guide(client, code: str = "mz-001"):
    response = client.get(reverse("catalogue-guide", args=[code]))
    assert response.status_code == 200
    return response


def _desk_list(body: str) -> str:
    return body[body.index('id="where-to-go"') : body.index('class="centres"')]


# --- the phone check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("027-84561234", "027-84561234"),
        ("（027）8456 1234", "02784561234"),
        ("010-62345678转123", "010-62345678-123"),
        ("0716-8123456", "0716-8123456"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_a_contact_phone_is_a_mobile_or_a_landline_with_its_area_code(typed, kept):
    assert check_contact(typed) == kept


@pytest.mark.parametrize("typed", ["12345", "84561234", "027-0456123", "电话", "1381234567"])
def test_anything_else_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        check_contact(typed)
    assert error.value.code == "phone"


# --- the web guide -------------------------------------------------------------------------


def test_the_guide_lists_the_desks_own_phone_not_the_enquiry_phone(
    client, frozen, offering_desk  # noqa: F811
):  # fmt: skip
    response = _guide(client)
    assert [o.phone for o in response.context["offers"]] == [DESK_PHONE]
    desk_list = _desk_list(response.content.decode())
    assert f'href="tel:{DESK_PHONE}"' in desk_list
    assert ENQUIRY not in desk_list


def test_a_desk_without_a_phone_shows_no_phone(client, frozen, offering_desk):  # noqa: F811
    offering_desk.phone = ""
    offering_desk.save(update_fields=["phone"])
    desk_list = _desk_list(_guide(client).content.decode())
    assert "tel:" not in desk_list and ENQUIRY not in desk_list


def test_the_guide_lists_the_centres_with_address_hours_and_phone(client, places, dibao):  # noqa: F811
    from doorstep.places.models import Area

    Area.objects.filter(code=QINGCHUAN_ONE).update(
        address="晴川示例路1号（演示）", hours="周一至周五 9:00–17:00", phone="027-80000101"
    )
    Area.objects.filter(code=QINGCHUAN).update(address="", hours="", phone="")  # nothing to show
    response = _guide(client)
    groups = {g.place: g for g in response.context["centre_groups"]}
    assert list(groups) == ["community", "street"]
    community = next(c for c in groups["community"].centres if c.name == "晴川第一社区")
    assert (community.area_name, community.address, community.hours, community.phone) == (
        "晴川街道", "晴川示例路1号（演示）", ["周一至周五 9:00–17:00"], "027-80000101",
    )  # fmt: skip
    assert "晴川街道" not in [c.name for c in groups["street"].centres]
    body = response.content.decode()
    for shown in ("晴川示例路1号（演示）", "周一至周五 9:00–17:00", 'href="tel:027-80000101"'):
        assert shown in body
    assert 'id="centres-community"' in body and 'id="centres-street"' in body


def test_a_matter_not_done_at_centres_lists_none(client, dibao):  # noqa: F811
    from doorstep.catalogue.access import access_published_version
    from doorstep.catalogue.models import ServiceVersion

    # a published version is immutable to actions; the test sets up another matter directly
    version = access_published_version(dibao.code)
    ServiceVersion.objects.filter(pk=version.pk).update(places=["online"])
    response = _guide(client)
    assert response.context["centre_groups"] == []
    assert 'class="centres"' not in response.content.decode()


def test_guide_queries_do_not_grow_with_centres(
    client, frozen, offering_desk, django_assert_max_num_queries  # noqa: F811
):  # fmt: skip
    from doorstep.places.models import Area

    url = reverse("catalogue-guide", args=["mz-001"])
    client.get(url)  # warm the per-process caches
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    Area.objects.filter(kind="community").update(phone="027-80001234")  # every centre shown
    Area.objects.filter(kind="street").update(phone="027-80005678")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(url).context["centre_groups"]) == 2


# --- the compound page ---------------------------------------------------------------------


def test_the_compound_page_shows_the_desks_phone(client, frozen, personas, offering_desk):  # noqa: F811
    response = client.get(reverse("desks-compound", args=[personas.compound_a.code]))
    assert response.status_code == 200
    assert f'href="tel:{DESK_PHONE}"' in response.content.decode()


def test_the_sessions_api_gives_the_desks_phone(client, frozen, personas, offering_desk):  # noqa: F811
    url = reverse("api:desks-sessions", args=[personas.compound_a.code])
    sessions = client.get(url).json()["sessions"]
    assert sessions and {s["desk_phone"] for s in sessions} == {DESK_PHONE}


# --- the PDF -------------------------------------------------------------------------------


@pytest.fixture
def fonts():
    pdf.cjk_fonts.cache_clear()
    if not pdf.cjk_fonts():
        pytest.skip("no CJK font installed (fc-list :lang=zh is empty): install fonts-noto-cjk")
    yield
    pdf.cjk_fonts.cache_clear()


def test_the_pdf_shows_the_desks_and_the_centres_contacts(client, frozen, offering_desk, fonts):  # noqa: F811
    from doorstep.places.models import Area

    Area.objects.filter(code=QINGCHUAN_ONE).update(
        address="晴川示例路1号", hours="周一至周五 9:00–17:00", phone="027-80000101"
    )
    response = client.get(reverse("catalogue-guide-pdf", args=["mz-001"]))
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join(page.extract_text() for page in pages).replace(" ", "")
    for shown in (offering_desk.name, DESK_PHONE, "晴川第一社区", "晴川示例路1号", "027-80000101"):
        assert shown in text


# --- the admin -----------------------------------------------------------------------------


def _desk_form(desk, **changes) -> dict:
    data = {
        "name": desk.name, "kind": desk.kind, "area": desk.area_id, "phone": desk.phone,
        "is_active": "on",
    }  # fmt: skip
    for prefix in ("schedules", "exceptions"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data | changes


def _area_form(area, **changes) -> dict:
    data = {"code": area.code, "name": area.name, "kind": area.kind, "parent": area.parent_id}
    return data | {"address": area.address, "hours": area.hours, "phone": area.phone} | changes


def _zh(client, admin):
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_the_admin_saves_a_desks_phone(client, personas, make_desk):  # noqa: F811
    desk = make_desk()
    url = reverse("admin:desks_desk_change", args=[desk.pk])
    response = _zh(client, personas.admin).post(url, _desk_form(desk, phone=" 027 8000 9912 "))
    assert response.status_code == 302, response.context["adminform"].form.errors
    desk.refresh_from_db()
    assert desk.phone == "02780009912"


def test_the_admin_refuses_a_bad_desk_phone_in_chinese(client, personas, make_desk):  # noqa: F811
    desk = make_desk(phone=DESK_PHONE)
    url = reverse("admin:desks_desk_change", args=[desk.pk])
    response = _zh(client, personas.admin).post(url, _desk_form(desk, phone="8000"))
    assert response.status_code == 200
    # the message in the administrator's language (Chinese once the catalogue carries it:
    # test_translations checks every msgid has its zh_Hans)
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as expected:
            check_contact("8000")
    assert response.context["adminform"].form.errors["phone"] == expected.value.messages
    desk.refresh_from_db()
    assert desk.phone == DESK_PHONE


def test_the_admin_refuses_a_bad_centre_phone(client, personas):
    from doorstep.places.models import Area

    centre = Area.objects.get(code=QINGCHUAN_ONE)
    before = centre.phone
    url = reverse("admin:places_area_change", args=[centre.pk])
    response = _zh(client, personas.admin).post(url, _area_form(centre, phone="not a phone"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"]
    centre.refresh_from_db()
    assert centre.phone == before


@pytest.mark.parametrize("who", [None, "clerk_a", "district_lead"])
def test_no_one_but_an_administrator_edits_contacts(client, personas, make_desk, who):  # noqa: F811
    from doorstep.places.models import Area

    desk = make_desk(phone=DESK_PHONE)
    centre = Area.objects.get(code=QINGCHUAN_ONE)
    if who:
        client.force_login(getattr(personas, who))
    client.post(reverse("admin:desks_desk_change", args=[desk.pk]), _desk_form(desk, phone=""))
    client.post(reverse("admin:places_area_change", args=[centre.pk]), _area_form(centre, phone=""))
    desk.refresh_from_db()
    centre.refresh_from_db()
    assert desk.phone == DESK_PHONE and centre.phone
