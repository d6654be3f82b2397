"""The registry screens: happy paths, bad input that changes nothing, and for every view the
wrong persona getting nothing."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from doorstep.core import idnumber
from doorstep.people import importer, uploads
from doorstep.people.choices import AccessAction, ResidentStatus
from doorstep.people.models import (
    AccessLog,
    Certificate,
    CertificateType,
    ImportBatch,
    Resident,
    Tag,
)
from doorstep.people.tasks import import_registry, purge_import_files
from doorstep.places.models import Building, Household

ERYIN = "420105006001001"  # 二印小区, in clerk A's community
HEADER = "姓名,公民身份号码,手机号码,小区,楼栋,房号,标签"


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English source strings, whatever the catalogues say.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mine(make_resident):
    """Clerk A's resident, with a phone number and a tag."""
    resident = make_resident("张景林", mobile="13812345678")
    resident.tags.set([Tag.objects.get(code="living-alone")])
    return resident


@pytest.fixture
def theirs(make_resident, personas):
    return make_resident("欧阳娜", area=personas.compound_b, mobile="13987654321")


REASON = {"reason": "核对身份"}


def pid(seq: int, birth=datetime.date(1960, 5, 4)) -> str:
    return idnumber.make("420105", birth, seq)


def snapshot() -> tuple:
    return (
        list(Resident.objects.values_list("pk", "name", "phone", "area_code", "status", "note")),
        Building.objects.count(),
        Household.objects.count(),
        Certificate.objects.count(),
    )


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def assert_refused(response, name: str, *statuses: int) -> None:
    assert response.status_code in statuses, response.status_code
    assert name not in response.content.decode()


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------------------------
# List


def test_list_shows_my_residents_only(client, personas, mine, theirs):
    response = as_user(client, personas.clerk_a).get(reverse("people-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.name in body and mine.id_masked in body and "138****5678" in body
    assert theirs.name not in body
    assert mine.id_number() not in body


def test_list_filters_by_tag_and_area(client, personas, make_resident, mine):
    other = make_resident("李秀英", area=personas.area_a.children.exclude(code=ERYIN).first())
    client.force_login(personas.clerk_a)
    by_tag = client.get(reverse("people-list"), {"tag": "living-alone"}).content.decode()
    assert mine.name in by_tag and other.name not in by_tag
    by_area = client.get(reverse("people-list"), {"area": ERYIN}).content.decode()
    assert mine.name in by_area and other.name not in by_area


def test_list_area_filter_cannot_reach_outside_my_areas(client, personas, mine, theirs):
    response = as_user(client, personas.clerk_a).get(
        reverse("people-list"), {"area": personas.compound_b.code}
    )
    assert theirs.name not in response.content.decode()


def test_list_queries_do_not_grow_with_residents(
    client, personas, make_resident, django_assert_num_queries
):
    client.force_login(personas.clerk_a)
    for n in range(3):
        make_resident(f"张{n}", mobile=f"1381234{n:04d}")
    # session, user, grants (scope), count, page, tags of the page, filter choices (tags,
    # areas), header grants, header inbox badge
    with django_assert_num_queries(10):
        client.get(reverse("people-list"))
    for n in range(3, 30):
        make_resident(f"张{n}", mobile=f"1381234{n:04d}")
    with django_assert_num_queries(10):
        response = client.get(reverse("people-list"), {"page": 2})
    assert "Page 2 of 2" in response.content.decode()


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_list_refused_to_staff_without_the_registry(client, personas, mine, who):
    response = as_user(client, getattr(personas, who)).get(reverse("people-list"))
    assert_refused(response, mine.name, 403)


def test_list_of_clerk_b_has_nothing_of_clerk_a(client, personas, mine):
    response = as_user(client, personas.clerk_b).get(reverse("people-list"))
    assert_refused(response, mine.name, 200)


def test_list_needs_login(client, mine):
    assert_login_redirect(client.get(reverse("people-list")))


# ---------------------------------------------------------------------------------------------
# Search


def test_search_htmx_returns_a_partial(client, personas, mine, theirs):
    client.force_login(personas.clerk_a)
    response = client.get(reverse("people-search"), {"q": "zjl"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert mine.name in body and mine.id_masked in body and "138****5678" in body
    assert "二印小区" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_search_without_js_is_a_whole_page(client, personas, mine):
    response = as_user(client, personas.clerk_a).get(reverse("people-search"), {"q": "张景"})
    body = response.content.decode()
    assert "<html" in body and mine.name in body
    assert 'hx-trigger="keyup changed delay:200ms' in body


def test_search_says_when_nothing_matches(client, personas, mine):
    client.force_login(personas.clerk_a)
    body = client.get(reverse("people-search"), {"q": "xyz"}).content.decode()
    assert "No resident in your areas matches" in body
    body = client.get(reverse("people-search"), {"q": "!!"}).content.decode()
    assert "Type a name" in body


def test_search_by_clerk_b_finds_nothing_of_clerk_a(client, personas, mine):
    response = as_user(client, personas.clerk_b).get(
        reverse("people-search"), {"q": "zjl"}, HTTP_HX_REQUEST="true"
    )
    assert_refused(response, mine.name, 200)


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_search_refused_to_staff_without_the_registry(client, personas, mine, who):
    response = as_user(client, getattr(personas, who)).get(reverse("people-search"), {"q": "zjl"})
    assert_refused(response, mine.name, 403)


def test_search_needs_login(client, mine):
    assert_login_redirect(client.get(reverse("people-search"), {"q": "zjl"}))


# ---------------------------------------------------------------------------------------------
# Detail


def test_detail_shows_masked_facts_and_logs_the_view(client, personas, mine):
    cert_type = CertificateType.objects.get(code="senior")
    Certificate.objects.create(
        resident=mine, type=cert_type, number="YD-1", issued_on=datetime.date(2020, 1, 2)
    )
    client.force_login(personas.clerk_a)
    response = client.get(reverse("people-detail", args=[mine.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "420105********" in body and mine.id_masked in body
    assert mine.id_number() not in body
    assert "138****5678" in body and "13812345678" not in body
    assert "1950-03-07" in body and "独居老人" in body and "YD-1" in body
    assert AccessLog.objects.filter(
        actor=personas.clerk_a, resident=mine, action=AccessAction.VIEW
    ).exists()
    assert "Viewed record" in body  # the recent access log, including this view


def test_detail_shows_the_household(client, personas, make_resident):
    building = Building.objects.create(compound=personas.compound_a, number="3")
    resident = make_resident(household=Household.objects.create(building=building, room="502"))
    response = as_user(client, personas.clerk_a).get(reverse("people-detail", args=[resident.pk]))
    assert re.search(
        r"Building</dt><dd>3</dd>.*Room</dt><dd>502</dd>", response.content.decode(), re.S
    )


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider"])
def test_detail_is_404_for_the_wrong_persona_and_not_logged(client, personas, mine, who):
    user = getattr(personas, who)
    response = as_user(client, user).get(reverse("people-detail", args=[mine.pk]))
    assert_refused(response, mine.name, 404)
    assert not AccessLog.objects.filter(actor=user).exists()


def test_detail_missing_and_forbidden_look_alike(client, personas, mine):
    client.force_login(personas.clerk_b)
    forbidden = client.get(reverse("people-detail", args=[mine.pk]))
    missing = client.get(reverse("people-detail", args=[mine.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404

    def scrub(response) -> str:  # the CSRF token and the page's own address differ
        body = response.content.decode()
        return re.sub(r"[A-Za-z0-9]{64}", "", body.replace(str(mine.pk + 1000), str(mine.pk)))

    assert scrub(forbidden) == scrub(missing)


def test_detail_needs_login(client, mine):
    assert_login_redirect(client.get(reverse("people-detail", args=[mine.pk])))


def test_street_lead_sees_but_may_not_edit(client, personas, mine):
    body = as_user(client, personas.street_lead).get(reverse("people-detail", args=[mine.pk]))
    assert mine.name in body.content.decode()
    assert reverse("people-edit", args=[mine.pk]) not in body.content.decode()
    assert client.get(reverse("people-edit", args=[mine.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Reveal


@pytest.mark.parametrize(
    ("what", "action"), [("id", AccessAction.REVEAL_ID), ("phone", AccessAction.REVEAL_PHONE)]
)
def test_reveal_shows_the_full_number_and_logs_it(client, personas, mine, what, action):
    client.force_login(personas.clerk_a)
    url = reverse("people-reveal", args=[mine.pk, what])
    response = client.post(url, REASON, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert (mine.id_number() if what == "id" else "13812345678") in body
    assert AccessLog.objects.filter(actor=personas.clerk_a, resident=mine, action=action).exists()


def test_reveal_without_js_is_a_page(client, personas, mine):
    client.force_login(personas.clerk_a)
    response = client.post(reverse("people-reveal", args=[mine.pk, "id"]), REASON)
    assert "<html" in response.content.decode() and mine.id_number() in response.content.decode()


def test_reveal_needs_the_permission(client, personas, mine):
    client.force_login(personas.grid_a)  # sees the record, may not reveal
    response = client.post(reverse("people-reveal", args=[mine.pk, "id"]), REASON)
    assert response.status_code == 403
    assert mine.id_number() not in response.content.decode()
    assert not AccessLog.objects.filter(actor=personas.grid_a).exists()


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider"])
def test_reveal_by_the_wrong_persona(client, personas, mine, who):
    user = getattr(personas, who)
    response = as_user(client, user).post(reverse("people-reveal", args=[mine.pk, "id"]), REASON)
    assert_refused(response, mine.name, 404)
    assert mine.id_number() not in response.content.decode()
    assert not AccessLog.objects.filter(actor=user).exists()


def test_reveal_is_post_only_and_knows_two_things(client, personas, mine):
    client.force_login(personas.clerk_a)
    assert client.get(reverse("people-reveal", args=[mine.pk, "id"])).status_code == 405
    assert client.post(reverse("people-reveal", args=[mine.pk, "note"]), REASON).status_code == 404
    assert not AccessLog.objects.filter(action__startswith="reveal").exists()


def test_reveal_needs_login(client, mine):
    assert_login_redirect(client.post(reverse("people-reveal", args=[mine.pk, "id"]), REASON))


# ---------------------------------------------------------------------------------------------
# Create and edit


def form_data(personas, **overrides) -> dict:
    data = {
        "name": "黄丽华",
        "id_number": pid(7),
        "mobile": "139 0000 1234",
        "area": personas.compound_a.pk,
        "building": "",
        "room": "",
        "tags": [],
        "note": "",
    }
    data.update(overrides)
    return data


def test_create_registers_a_resident_with_household(client, personas):
    client.force_login(personas.clerk_a)
    tag = Tag.objects.get(code="veteran")
    data = form_data(personas, building="5", room="301", tags=[tag.pk], note="腿脚不便")
    response = client.post(reverse("people-create"), data)
    resident = Resident.objects.get(name="黄丽华")
    assert response.status_code == 302
    assert response["Location"] == reverse("people-detail", args=[resident.pk])
    assert resident.phone == "13900001234" and resident.area == personas.compound_a
    assert resident.household.room == "301" and resident.household.building.number == "5"
    assert list(resident.tags.all()) == [tag]
    assert resident.id_number() == pid(7)
    assert AccessLog.objects.filter(resident=resident, action=AccessAction.CREATE).exists()


def bad_birth_date() -> str:
    return "420105195002300010"  # 30 February (the date is checked before the check character)


def wrong_check_character() -> str:
    good = pid(8)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("42010519500307123", "An ID number has 18 characters; this one has 17."),
        ("42010519500307123A", "An ID number is 17 digits followed by a digit or X."),
        (bad_birth_date(), "The birth date 19500230 in this ID number does not exist."),
        (idnumber.make("420105", datetime.date(2999, 1, 1), 1), "is impossible"),
        (wrong_check_character(), "The check character of this ID number is wrong"),
    ],
)
def test_create_refuses_a_bad_id_number_on_its_field(client, personas, number, message):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(
        reverse("people-create"), form_data(personas, id_number=number, building="1", room="1")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"] and message in errors["id_number"][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert snapshot() == before


def test_create_refuses_a_malformed_phone(client, personas):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(reverse("people-create"), form_data(personas, mobile="1381234"))
    assert "not a mainland mobile number" in response.context["form"].errors["mobile"][0]
    assert snapshot() == before


def test_create_refuses_an_area_outside_my_grants(client, personas):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(
        reverse("people-create"),
        form_data(personas, area=personas.compound_b.pk, building="9", room="9"),
    )
    assert "area" in response.context["form"].errors
    assert snapshot() == before


def test_create_refuses_a_duplicate_id_number(client, personas, mine):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(
        reverse("people-create"),
        form_data(personas, id_number=mine.id_number(), building="2", room="201"),
    )
    assert "already registered" in response.context["form"].errors["id_number"][0]
    assert snapshot() == before  # the household made for it was rolled back too


def test_create_refuses_a_building_in_a_community(client, personas):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(
        reverse("people-create"),
        form_data(personas, area=personas.area_a.pk, building="1", room="101"),
    )
    assert "Choose a compound" in response.context["form"].errors["area"][0]
    assert snapshot() == before


def test_create_needs_both_building_and_room(client, personas):
    client.force_login(personas.clerk_a)
    before = snapshot()
    response = client.post(reverse("people-create"), form_data(personas, building="1"))
    assert "Give both" in response.context["form"].errors["room"][0]
    assert snapshot() == before


def test_create_form_offers_only_my_areas(client, personas):
    response = as_user(client, personas.clerk_a).get(reverse("people-create"))
    codes = {a.code for a in response.context["form"].fields["area"].queryset}
    assert ERYIN in codes and personas.area_a.code in codes
    assert all(code.startswith(personas.area_a.code) for code in codes)


@pytest.mark.parametrize("who", ["reviewer", "outsider", "street_lead", "grid_a"])
def test_create_refused_to_staff_who_may_not_edit(client, personas, who):
    client.force_login(getattr(personas, who))
    before = snapshot()
    assert client.get(reverse("people-create")).status_code == 403
    assert client.post(reverse("people-create"), form_data(personas)).status_code == 403
    assert snapshot() == before


def test_create_needs_login(client, personas):
    assert_login_redirect(client.post(reverse("people-create"), form_data(personas)))
    assert not Resident.objects.exists()


def test_edit_updates_the_resident(client, personas, mine):
    client.force_login(personas.clerk_a)
    form = client.get(reverse("people-edit", args=[mine.pk])).context["form"]
    assert form.initial["name"] == "张景林" and "id_number" not in form.fields
    data = form_data(
        personas, name="张景琳", mobile="", status=ResidentStatus.MOVED_OUT, note="迁往武昌"
    )
    data["remove_phone"] = "on"
    del data["id_number"]
    response = client.post(reverse("people-edit", args=[mine.pk]), data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.phone, mine.status) == ("张景琳", "", ResidentStatus.MOVED_OUT)
    assert list(mine.tags.all()) == []


def test_edit_with_bad_phone_changes_nothing(client, personas, mine):
    client.force_login(personas.clerk_a)
    before = snapshot()
    data = form_data(personas, name="别的名字", mobile="12345", status="active")
    response = client.post(reverse("people-edit", args=[mine.pk]), data)
    assert "mobile" in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider", "street_lead"])
def test_edit_by_the_wrong_persona(client, personas, mine, who):
    client.force_login(getattr(personas, who))
    before = snapshot()
    url = reverse("people-edit", args=[mine.pk])
    assert_refused(client.get(url), mine.name, 404)
    data = form_data(personas, name="改掉", status="active")
    assert_refused(client.post(url, data), mine.name, 404)
    assert snapshot() == before


def test_edit_needs_login(client, personas, mine):
    assert_login_redirect(client.get(reverse("people-edit", args=[mine.pk])))


# ---------------------------------------------------------------------------------------------
# Certificates


def cert_data(**overrides) -> dict:
    data = {
        "type": CertificateType.objects.get(code="disability").pk,
        "number": "CJ-0001",
        "issued_on": "2020-05-01",
        "expires_on": "2030-05-01",
    }
    data.update(overrides)
    return data


def test_certificate_add_edit_delete(client, personas, mine):
    client.force_login(personas.clerk_a)
    url = reverse("people-certificate-create", args=[mine.pk])
    assert client.post(url, cert_data()).status_code == 302
    cert = mine.certificates.get()
    assert cert.expires_on == datetime.date(2030, 5, 1)

    edit = reverse("people-certificate-edit", args=[mine.pk, cert.pk])
    assert client.get(edit).context["form"].initial["number"] == "CJ-0001"
    assert client.post(edit, cert_data(number="CJ-0002", expires_on="")).status_code == 302
    cert.refresh_from_db()
    assert (cert.number, cert.expires_on) == ("CJ-0002", None)

    delete = reverse("people-certificate-delete", args=[mine.pk, cert.pk])
    assert "CJ-0002" in client.get(delete).content.decode()  # asks first
    assert Certificate.objects.exists()
    assert client.post(delete).status_code == 302
    assert not Certificate.objects.exists()
    details = list(AccessLog.objects.filter(resident=mine).values_list("detail", flat=True))
    assert "Removed certificate CJ-0002" in details


def test_certificate_expiry_must_follow_issue(client, personas, mine):
    client.force_login(personas.clerk_a)
    url = reverse("people-certificate-create", args=[mine.pk])
    response = client.post(url, cert_data(expires_on="2020-05-01"))
    assert "after the issue date" in response.context["form"].errors["expires_on"][0]
    assert not Certificate.objects.exists()


def test_certificate_number_must_be_new(client, personas, mine, theirs):
    Certificate.objects.create(
        resident=theirs,
        type=CertificateType.objects.get(code="disability"),
        number="CJ-0001",
        issued_on=datetime.date(2019, 1, 1),
    )
    client.force_login(personas.clerk_a)
    response = client.post(reverse("people-certificate-create", args=[mine.pk]), cert_data())
    assert "already on file" in response.context["form"].errors["number"][0]
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize("who", ["clerk_b", "reviewer", "outsider", "street_lead"])
def test_certificates_of_the_wrong_persona(client, personas, mine, theirs, who):
    cert = Certificate.objects.create(
        resident=mine,
        type=CertificateType.objects.get(code="senior"),
        number="YD-9",
        issued_on=datetime.date(2019, 1, 1),
    )
    client.force_login(getattr(personas, who))
    before = snapshot()
    urls = [
        reverse("people-certificate-create", args=[mine.pk]),
        reverse("people-certificate-edit", args=[mine.pk, cert.pk]),
        reverse("people-certificate-delete", args=[mine.pk, cert.pk]),
    ]
    for url in urls:
        assert_refused(client.get(url), mine.name, 404)
        assert_refused(client.post(url, cert_data()), mine.name, 404)
    assert snapshot() == before


def test_certificate_of_another_resident_cannot_be_reached_through_mine(
    client, personas, make_resident, mine
):
    neighbour = make_resident("刘德福", mobile="13700000000")
    cert = Certificate.objects.create(
        resident=neighbour,
        type=CertificateType.objects.get(code="senior"),
        number="YD-10",
        issued_on=datetime.date(2019, 1, 1),
    )
    client.force_login(personas.clerk_a)
    url = reverse("people-certificate-delete", args=[mine.pk, cert.pk])
    assert client.post(url).status_code == 404
    assert Certificate.objects.filter(pk=cert.pk).exists()


def test_certificates_need_login(client, mine):
    assert_login_redirect(client.get(reverse("people-certificate-create", args=[mine.pk])))


# ---------------------------------------------------------------------------------------------
# Import


def csv_upload(rows: list[str], name: str = "registry.csv") -> SimpleUploadedFile:
    text = "\n".join([HEADER, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def good_row(seq: int, name: str = "王秀兰") -> str:
    return f"{name},{pid(seq)},1381111{seq:04d},{ERYIN},1,10{seq},独居老人"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT / "imports"


def waiting_files(media: Path) -> list[Path]:
    return list(media.iterdir()) if media.exists() else []


def test_import_page_offers_progress_and_works_without_js(client, personas):
    body = as_user(client, personas.clerk_a).get(reverse("people-import")).content.decode()
    assert 'hx-encoding="multipart/form-data"' in body
    assert 'enctype="multipart/form-data"' in body and "<progress" in body
    assert "doorstep import-residents" in body


def upload(client, rows: list[str], **kw):
    """Upload a register; return the response and the queued import."""
    response = client.post(reverse("people-import"), {"file": csv_upload(rows)}, **kw)
    return response, ImportBatch.objects.order_by("pk").last()


def work(batch: ImportBatch) -> ImportBatch:
    """What the worker does with a queued import."""
    assert import_registry.call(batch.pk) != "taken"
    batch.refresh_from_db()
    return batch


def test_a_queued_import_is_run_once(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [good_row(1)])
    assert work(batch).status == "done"
    assert import_registry.call(batch.pk) == "taken"
    assert Resident.objects.count() == 1


def test_a_crashed_import_is_closed_and_its_file_deleted(client, personas, media, monkeypatch):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [good_row(1)])

    def crash(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer, "import_rows", crash)
    batch = work(batch)
    assert (batch.status, batch.file_token) == ("failed", "")
    body = client.get(reverse("people-import-batch", args=[batch.pk])).content.decode()
    assert "The import stopped because of an error" in body and "disk" not in body
    assert waiting_files(media) == []


def test_an_upload_is_queued_and_its_page_shows_progress(client, personas, media):
    client.force_login(personas.clerk_a)
    response, batch = upload(client, [good_row(1), good_row(2, "赵桂英")])
    page = reverse("people-import-batch", args=[batch.pk])
    assert response.status_code == 302 and response["Location"] == page
    assert (batch.status, batch.actor, batch.filename) == (
        "queued",
        personas.clerk_a,
        "registry.csv",
    )
    assert Resident.objects.count() == 0  # nothing is imported inside the request
    body = client.get(page).content.decode()
    assert "Waiting to start" in body
    assert f'hx-get="{reverse("people-import-progress", args=[batch.pk])}"' in body
    # An htmx upload is sent to the same page.
    response, second = upload(client, [good_row(3)], HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("people-import-batch", args=[second.pk])


def test_progress_while_writing_then_the_result(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [good_row(1), good_row(2, "赵桂英")])
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="running", phase="writing", done=5000, to_do=20000
    )
    progress = reverse("people-import-progress", args=[batch.pk])
    body = client.get(progress).content.decode()
    assert 'value="5000" max="20000"' in body and "every 1s" in body
    ImportBatch.objects.filter(pk=batch.pk).update(status="queued")
    work(batch)
    body = client.get(progress).content.decode()
    assert "Import finished" in body and "every 1s" not in body
    assert Resident.objects.count() == 2
    assert batch.created == 2 and batch.file_token == ""
    assert waiting_files(media) == []


def test_queued_imports_are_enqueued_on_commit(
    client, personas, media, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _response, batch = upload(client, [good_row(1)])
    assert len(callbacks) == 1
    from django_tasks import default_task_backend

    [queued] = default_task_backend.results
    assert queued.args == [batch.pk]
    assert queued.task.name == "import_registry"


def test_rejected_rows_write_nothing_then_the_valid_rows_are_imported(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(
        client, [good_row(1), "坏行,123,,420105006001001,,,", good_row(3, "赵桂英")]
    )
    batch = work(batch)
    body = client.get(reverse("people-import-batch", args=[batch.pk])).content.decode()
    assert "Nothing was imported" in body
    assert "An ID number has 18 characters" in body  # the error table: row, column, reason
    assert ">3</td>" in body  # the row as Excel numbers it
    assert Resident.objects.count() == 0
    assert batch.offers_valid_rows and [p.name for p in waiting_files(media)] == [batch.file_token]

    response = client.post(reverse("people-import-valid", args=[batch.pk]))
    second = ImportBatch.objects.order_by("pk").last()
    assert response["Location"] == reverse("people-import-batch", args=[second.pk])
    work(second)
    assert set(Resident.objects.values_list("name", flat=True)) == {"王秀兰", "赵桂英"}
    assert waiting_files(media) == []
    # The offer is spent.
    body = client.post(reverse("people-import-valid", args=[batch.pk])).content.decode()
    assert "no longer available" in body
    assert ImportBatch.objects.count() == 2


def test_another_clerks_import_is_not_seen(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [good_row(1), "坏行,123,,420105006001001,,,"])
    work(batch)
    for who in (personas.clerk_b, personas.street_lead, personas.grid_a):
        client.force_login(who)
        for name in ("people-import-batch", "people-import-progress"):
            assert client.get(reverse(name, args=[batch.pk])).status_code in (403, 404)
        response = client.post(reverse("people-import-valid", args=[batch.pk]))
        assert response.status_code in (403, 404)
    assert ImportBatch.objects.count() == 1 and not Resident.objects.exists()
    client.force_login(personas.clerk_b)
    assert batch_link(batch) not in client.get(reverse("people-import")).content.decode()
    client.force_login(personas.clerk_a)
    assert batch_link(batch) in client.get(reverse("people-import")).content.decode()


def batch_link(batch: ImportBatch) -> str:
    return f'href="{reverse("people-import-batch", args=[batch.pk])}"'


def test_an_upload_is_stored_encrypted(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [good_row(1)])
    [stored] = waiting_files(media)
    data = stored.read_bytes()
    assert pid(1).encode() not in data and "王秀兰".encode() not in data
    assert uploads.open_stored(batch.file_token).read().decode().startswith(HEADER)


def test_where_every_row_is_bad_no_valid_rows_are_offered(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, ["坏行,123,,420105006001001,,,"])
    batch = work(batch)
    body = client.get(reverse("people-import-batch", args=[batch.pk])).content.decode()
    assert reverse("people-import-valid", args=[batch.pk]) not in body
    assert waiting_files(media) == []


def test_import_refuses_rows_outside_my_areas(client, personas, media):
    client.force_login(personas.clerk_a)
    _response, batch = upload(client, [f"欧阳娜,{pid(5)},,{personas.compound_b.code},,,"])
    work(batch)
    body = client.get(reverse("people-import-batch", args=[batch.pk])).content.decode()
    assert "within your areas" in body
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02garbage\x00" * 20, "This is not a CSV or Excel file."),
        (b"PK\x03\x04not really a zip", "This spreadsheet cannot be read"),
        ("姓名,公民身份号码,小区\n".encode(), "column names but no data rows"),
    ],
)
def test_import_refuses_a_bad_file(client, personas, media, content, message):
    client.force_login(personas.clerk_a)
    client.post(reverse("people-import"), {"file": SimpleUploadedFile("bad.csv", content)})
    batch = work(ImportBatch.objects.get())
    body = client.get(reverse("people-import-batch", args=[batch.pk])).content.decode()
    assert message in body.replace("&#x27;", "'")
    assert not Resident.objects.exists()
    assert waiting_files(media) == []


def test_an_empty_upload_is_refused_by_the_form(client, personas, media):
    client.force_login(personas.clerk_a)
    body = client.post(
        reverse("people-import"), {"file": SimpleUploadedFile("bad.csv", b"")}
    ).content.decode()
    assert "The submitted file is empty." in body
    assert not ImportBatch.objects.exists() and waiting_files(media) == []


@pytest.fixture
def frozen():
    import time_machine

    moment = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


def test_stored_uploads_are_purged_after_a_day(client, personas, media, settings, frozen):
    """Files left by an abandoned offer, a crashed worker or a task never run are deleted
    after ``DOORSTEP_IMPORT_FILE_HOURS``, and their imports closed."""
    client.force_login(personas.clerk_a)
    _response, waiting = upload(client, [good_row(1)])  # never run: a worker that never came
    _response, offered = upload(client, [good_row(2), "坏行,123,,420105006001001,,,"])
    work(offered)
    assert len(waiting_files(media)) == 2
    frozen.shift(datetime.timedelta(hours=23))
    assert purge_import_files.call() == 0
    client.force_login(personas.clerk_a)  # a day later the idle timeout has signed her out
    _response, fresh = upload(client, [good_row(3)])
    assert fresh.pk > offered.pk
    frozen.shift(datetime.timedelta(hours=2))
    out = StringIO()
    call_command("purge_import_files", stdout=out)
    assert [p.name for p in waiting_files(media)] == [fresh.file_token]
    waiting.refresh_from_db()
    offered.refresh_from_db()
    assert (waiting.status, waiting.file_token) == ("failed", "")
    assert "did not finish" in waiting.file_error
    assert not offered.offers_valid_rows
    fresh.refresh_from_db()
    assert fresh.status == "queued"


def test_import_refuses_an_oversize_file(client, personas, media, settings):
    settings.DOORSTEP_IMPORT_MAX_UPLOAD = 100
    client.force_login(personas.clerk_a)
    upload = csv_upload([good_row(1), good_row(2)])
    body = client.post(reverse("people-import"), {"file": upload}).content.decode()
    assert "larger than 100\xa0bytes" in body and "doorstep import-residents" in body
    assert not Resident.objects.exists() and not ImportBatch.objects.exists()
    assert waiting_files(media) == []


def test_import_refuses_an_oversize_body_before_reading_it(client, personas, media, settings):
    settings.DOORSTEP_IMPORT_MAX_UPLOAD = 100
    client.force_login(personas.clerk_a)
    upload = csv_upload([good_row(n) for n in range(1, 2000)])
    response = client.post(reverse("people-import"), {"file": upload}, HTTP_HX_REQUEST="true")
    assert "doorstep import-residents" in response.content.decode()
    assert not Resident.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "outsider", "street_lead", "grid_a"])
def test_import_refused_to_staff_who_may_not_import(client, personas, media, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("people-import")).status_code == 403
    response = client.post(reverse("people-import"), {"file": csv_upload([good_row(1)])})
    assert response.status_code == 403
    assert client.post(reverse("people-import-valid", args=[1])).status_code == 403
    assert not Resident.objects.exists() and waiting_files(media) == []


def test_import_needs_login(client, media):
    assert_login_redirect(client.post(reverse("people-import"), {"file": csv_upload([])}))
    assert waiting_files(media) == []
