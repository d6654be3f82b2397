"""The visit pages: logging at the door (once per key), photos (checked, encrypted, access
checked), the lists with their query counts pinned, and the wrong persona getting nothing."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.visits.models import Visit, VisitPhoto

from .conftest import NOW, jpeg, png


def _form(**kw) -> dict:
    data = {
        "client_key": str(uuid.uuid4()),
        "visited_at": (NOW - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "routine",
        "outcome": "met",
        "finding_kind_0": "",
        "finding_count_0": "",
        "finding_text_0": "",
    }
    data.update(kw)
    return data


@pytest.fixture
def grid_a(client, personas, frozen):
    client.force_login(personas.grid_a)
    return client


def test_log_page_renders_the_households_residents(grid_a, street):
    page = grid_a.get(f"/visits/log/{street.disabled_a.pk}/")
    assert page.status_code == 200
    assert "李建国" in page.text and "李王氏" in page.text
    assert 'name="client_key"' in page.text


def test_log_a_visit_with_findings_and_photos(grid_a, street):
    data = _form(
        met=[street.zhang.pk],
        finding_kind_0="fire",
        finding_count_0="2",
        finding_text_0="电动车楼道充电",
        photos=[
            SimpleUploadedFile("门口.png", png(), "image/png"),
            SimpleUploadedFile("../../x.jpg", jpeg(), "image/jpeg"),
        ],
    )
    response = grid_a.post(f"/visits/log/{street.alone_a.pk}/", data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/visits/{visit.pk}/"
    assert [(f.kind, f.count) for f in visit.findings.all()] == [("fire", 2)]
    photos = list(visit.photos.all())
    assert [p.original_name for p in photos] == ["门口.png", "x.jpg"]
    stored = photos[0].file.read()
    assert not stored.startswith(b"\x89PNG")  # encrypted at rest
    served = grid_a.get(f"/visits/{visit.pk}/photos/{photos[0].pk}/")
    assert served.status_code == 200 and served.content == png()
    assert served["Content-Type"] == "image/png" and "no-store" in served["Cache-Control"]
    detail = grid_a.get(f"/visits/{visit.pk}/")
    assert "电动车楼道充电" in detail.text


def test_the_same_form_sent_twice_lands_once(grid_a, street):
    data = _form()
    first = grid_a.post(f"/visits/log/{street.alone_a.pk}/", data)
    second = grid_a.post(f"/visits/log/{street.alone_a.pk}/", data)
    assert first.url == second.url
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visited_at": (NOW + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
         "The visit time cannot be in the future."),
        ({"visited_at": (NOW - datetime.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")},
         "A visit can be logged up to 7 days later"),
        ({"photos": [SimpleUploadedFile("a.png", b"<html>", "image/png")]},
         "Only JPEG and PNG photos can be added."),
        ({"photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")]},
         "Only JPEG and PNG photos can be added."),
        ({"finding_text_0": "漏水"}, "Choose what was found."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_changes_nothing(grid_a, street, change, message):
    response = grid_a.post(f"/visits/log/{street.alone_a.pk}/", _form(**change))
    assert response.status_code == 400
    assert message in response.text
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_the_page_speaks_chinese_by_default(client, personas, street, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(personas.grid_a)
    data = _form(visited_at=(NOW + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    response = client.post(f"/visits/log/{street.alone_a.pk}/", data)
    assert response.status_code == 400 and "走访时间不能晚于现在" in response.text


def test_an_oversize_photo_is_refused(grid_a, street, settings):
    settings.DOORSTEP_ATTACHMENT_MAX_BYTES = 1000
    data = _form(photos=[SimpleUploadedFile("a.png", png(2000), "image/png")])
    response = grid_a.post(f"/visits/log/{street.alone_a.pk}/", data)
    assert response.status_code in (400, 413)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("who", ["grid_b", "clerk_a", "outsider", "reviewer", "mediator_a"])
def test_the_wrong_persona_cannot_log_at_grid_a(client, personas, street, who):
    client.force_login(getattr(personas, who))
    assert client.get(f"/visits/log/{street.alone_a.pk}/").status_code == 404
    assert client.post(f"/visits/log/{street.alone_a.pk}/", _form()).status_code == 404
    assert not Visit.objects.exists()


def test_photos_and_visits_are_hidden_from_the_wrong_persona(client, personas, street, log_visit):
    visit = log_visit(street.alone_a, photos=[SimpleUploadedFile("a.png", png(), "image/png")])
    photo = visit.photos.get()
    for who in ("grid_b", "clerk_b", "outsider", "reviewer"):
        client.force_login(getattr(personas, who))
        assert client.get(f"/visits/{visit.pk}/").status_code == 404, who
        assert client.get(f"/visits/{visit.pk}/photos/{photo.pk}/").status_code == 404, who
        upload = SimpleUploadedFile("b.png", png(), "image/png")
        assert client.post(f"/visits/{visit.pk}/photos/", {"photo": upload}).status_code == 404
    client.force_login(personas.clerk_a)  # sees it, may not add to it
    assert client.get(f"/visits/{visit.pk}/photos/{photo.pk}/").status_code == 200
    upload = SimpleUploadedFile("b.png", png(), "image/png")
    assert client.post(f"/visits/{visit.pk}/photos/", {"photo": upload}).status_code == 403
    assert visit.photos.count() == 1


def test_the_worker_adds_a_photo_later(grid_a, street, log_visit):
    visit = log_visit(street.alone_a)
    upload = SimpleUploadedFile("later.jpg", jpeg(), "image/jpeg")
    response = grid_a.post(f"/visits/{visit.pk}/photos/", {"photo": upload})
    assert response.status_code == 302 and visit.photos.count() == 1


@pytest.mark.parametrize(
    "url", ["/visits/", "/visits/history/", "/visits/coverage/", "/visits/silent/"]
)
def test_pages_refuse_outsiders_and_reviewers(client, personas, street, url):
    for who in ("outsider", "reviewer", "mediator_a"):
        client.force_login(getattr(personas, who))
        assert client.get(url).status_code == 403, who
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_worklist_shows_the_grid_workers_due_households(grid_a, street, log_visit, personas):
    log_visit(street.alone_a, days_ago=1, outcome="nobody_home")
    page = grid_a.get("/visits/")
    assert page.status_code == 200
    assert "李建国" in page.text and "张桂兰" in page.text
    assert "王秀英" not in page.text and "赵丽" not in page.text  # another grid / community
    assert 'id="due-data"' in page.text and "2026-12-02" in page.text  # retry date


def test_grid_worker_without_a_grid_has_an_empty_worklist(grid_a, street):
    street.grid_a.workers.clear()
    page = grid_a.get("/visits/")
    assert page.status_code == 200 and "张桂兰" not in page.text


def test_worklist_query_count(grid_a, street, log_visit, django_assert_num_queries, make_resident):
    from doorstep.people.models import Tag
    from doorstep.places.models import Household

    alone = Tag.objects.get(code="living-alone")
    for n in range(10):
        home = Household.objects.create(building=street.alone_a.building, room=f"9{n:02d}")
        make_resident(f"住户{n}", household=home, tags=[alone])
    grid_a.get("/visits/")
    # session, user, grants, the grid's buildings, count, page, buildings, compounds,
    # residents, latest visits, red list count, header's profile, grids, inbox badge
    with django_assert_num_queries(14):
        assert grid_a.get("/visits/").status_code == 200


def test_history_query_count(grid_a, street, log_visit, django_assert_num_queries):
    for days in range(6):
        log_visit(street.alone_a, days_ago=days)
    grid_a.get("/visits/history/")
    # session, user, grants, the grid's buildings, count, page, header's profile, grids, badge
    with django_assert_num_queries(9):
        page = grid_a.get("/visits/history/")
    assert page.status_code == 200 and page.text.count('href="/visits/') >= 6


def test_coverage_and_silent_pages(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=1)
    client.force_login(personas.clerk_a)
    page = client.get("/visits/coverage/")
    assert page.status_code == 200 and "一网格" in page.text and "33.3%" in page.text


def test_rules_page(client, personas, street):
    client.force_login(personas.grid_a)
    page = client.get("/visits/rules/")
    assert page.status_code == 200 and "Save the rule" not in page.text
    assert client.post("/visits/rules/", {"tag": "veteran", "interval_days": 9}).status_code == 403
    client.force_login(personas.administrator)
    assert client.post("/visits/rules/", {"tag": "veteran", "interval_days": 0}).status_code == 400
    assert client.post("/visits/rules/", {"tag": "veteran", "interval_days": 90}).status_code == 302
    from doorstep.visits.models import VisitRule

    rule = VisitRule.objects.get(tag__code="veteran")
    client.force_login(personas.grid_a)
    assert client.post(f"/visits/rules/{rule.pk}/remove/").status_code == 403
    client.force_login(personas.administrator)
    assert client.post(f"/visits/rules/{rule.pk}/remove/").status_code == 302
    assert not VisitRule.objects.filter(tag__code="veteran").exists()
    client.force_login(personas.outsider)
    assert client.get("/visits/rules/").status_code == 403


def test_service_worker_is_served_for_the_visit_pages(client, db):
    response = client.get("/visits/sw.js")
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript"


def test_home_shows_the_grid_workers_panel(client, personas, street, log_visit):
    log_visit(street.alone_a, days_ago=1, outcome="nobody_home")
    client.force_login(personas.grid_a)
    page = client.get("/")
    assert "Your visits" in page.text and "李建国" in page.text
    assert "2 households due for a visit" in page.text
    client.force_login(personas.clerk_a)
    assert "Your visits" not in client.get("/").text


def test_worklist_filters(grid_a, street, log_visit):
    log_visit(street.alone_a, days_ago=1)  # due in 6 days: only with "within" 6 or more
    assert "张桂兰" not in grid_a.get("/visits/").text
    assert "张桂兰" in grid_a.get("/visits/", {"within": 10}).text
    bad = grid_a.get("/visits/", {"within": "soon"})
    assert bad.status_code == 200 and "李建国" not in bad.text
    other = grid_a.get("/visits/", {"grid": street.grid_b.pk})  # not theirs: refused
    assert "赵丽" not in other.text
