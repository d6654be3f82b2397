"""The need pages: who sees what (404 alike), registration with the same-problem offer, the
actions from the need page, the outside body's link page, photos, and pinned query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from doorstep.needs import actions
from doorstep.needs.models import Need, NeedCategory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(personas, **kw):
    category = NeedCategory.objects.get(code="property")
    data = {
        "compound": personas.compound_a.pk,
        "category": category.pk,
        "kind": "help",
        "urgency": "orange",
        "source": "visit",
        "description": "楼道灯坏了",
        "raiser_name": "张阿姨",
        "raiser_phone": "13912345678",
    }
    data.update(kw)
    return data


def test_register_then_same_problem_offer(client, personas, holidays, frozen, categories):
    client.force_login(personas.grid_a)
    assert client.get(reverse("needs-register")).status_code == 200
    photo = SimpleUploadedFile("灯.png", PNG, content_type="image/png")
    response = client.post(reverse("needs-register"), {**_form(personas), "photos": [photo]})
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == reverse("needs-detail", args=[need.pk])
    assert need.photos.count() == 1 and need.urgency == "orange"
    offer = client.post(reverse("needs-register"), _form(personas, raiser_name="李叔"))
    assert offer.status_code == 200
    assert b'id="same-problem"' in offer.content and Need.objects.count() == 1
    joined = client.post(reverse("needs-register"), _form(personas, raiser_name="李叔",
                                                         join=need.pk))  # fmt: skip
    assert joined.status_code == 302 and need.supporters.count() == 1
    new = client.post(reverse("needs-register"), _form(personas, new_anyway="on"))
    assert new.status_code == 302 and Need.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"description": ""},
        {"raiser_phone": "123"},
        {"compound": 999999},
        {"raiser_name": ""},
        {"lat": "95", "lng": "1"},
        {"source": "api"},  # a person at the page is not another system
    ],
)
def test_register_refuses_bad_input(client, personas, holidays, frozen, categories, change):
    client.force_login(personas.grid_a)
    response = client.post(reverse("needs-register"), _form(personas, **change))
    assert response.status_code == 400
    assert b'class="error"' in response.content or b"notice-error" in response.content
    assert not Need.objects.exists()


def test_register_page_in_chinese(client, personas, holidays, frozen, categories, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(personas.grid_a)
    response = client.post(reverse("needs-register"), _form(personas, description=""))
    assert response.status_code == 400
    assert "反映的问题" in response.content.decode() and "登记诉求" in response.content.decode()


@pytest.mark.parametrize("who", ["grid_b", "clerk_b", "outsider", "reviewer", "mediator_a"])
def test_others_see_nothing(client, personas, make_need, who):
    need = make_need()
    client.force_login(getattr(personas, who))
    assert client.get(reverse("needs-detail", args=[need.pk])).status_code == 404
    for name in ("needs-handoff", "needs-answer", "needs-callback", "needs-reopen", "needs-flag",
                 "needs-extension", "needs-extension-decision", "needs-progress",
                 "needs-photo-add", "needs-handoff-accept", "needs-handoff-refuse"):  # fmt: skip
        assert client.post(reverse(name, args=[need.pk]), {}).status_code == 404, name
    assert client.post(reverse("needs-transition", args=[need.pk, "start"])).status_code == 404
    list_page = client.get(reverse("needs-list"))
    assert list_page.status_code in (200, 403)
    if list_page.status_code == 200:
        assert f'data-need="{need.pk}"'.encode() not in list_page.content
    Need.objects.get(pk=need.pk, status="new", revision=1)


def test_sensitive_page(client, personas, make_need):
    need = make_need(sensitive=True)
    for who, status in [("grid_a", 200), ("clerk_a", 404), ("street_lead", 200)]:
        client.force_login(getattr(personas, who))
        assert client.get(reverse("needs-detail", args=[need.pk])).status_code == status, who
    client.force_login(personas.clerk_a)
    assert f'data-need="{need.pk}"'.encode() not in client.get(reverse("needs-list")).content


def test_actions_from_the_page(client, personas, make_need, body):
    need = make_need()
    client.force_login(personas.grid_a)
    page = client.get(reverse("needs-detail", args=[need.pk]))
    assert b'id="act-handoff"' in page.content and b'id="act-answer"' in page.content
    client.post(reverse("needs-transition", args=[need.pk, "start"]), {"revision": 1})
    assert Need.objects.get(pk=need.pk).status == "in_progress"
    stale = client.post(reverse("needs-transition", args=[need.pk, "pause"]),
                        {"revision": 1, "reason": "x"}, follow=True)  # fmt: skip
    assert "Someone else changed this need" in stale.content.decode()
    client.post(reverse("needs-handoff", args=[need.pk]),
                {"to": f"external:{body.pk}", "reason": "物业维修"})  # fmt: skip
    assert need.handoffs.get().to_external == body
    client.post(reverse("needs-answer", args=[need.pk]),
                {"decision": "resolved", "answer": "已修好"})  # fmt: skip
    client.post(reverse("needs-callback", args=[need.pk]),
                {"reached": "on", "solved": "yes", "satisfaction": "5"})  # fmt: skip
    assert Need.objects.get(pk=need.pk).status == "closed"
    client.post(reverse("needs-reopen", args=[need.pk]), {"reason": "又坏了"})
    assert Need.objects.get(pk=need.pk).status == "in_progress"


def test_handed_to_me_accept(client, personas, make_need):
    need = make_need()
    actions.do_hand_on(need, actor=personas.grid_a, to_kind="user", target=personas.clerk_a,
                       reason="社区协调")  # fmt: skip
    client.force_login(personas.clerk_a)
    mine = client.get(reverse("needs-mine"))
    assert f'data-need="{need.pk}"'.encode() in mine.content
    client.post(reverse("needs-handoff-accept", args=[need.pk]))
    assert Need.objects.get(pk=need.pk).owner_user == personas.clerk_a


def test_external_page(client, personas, make_need, body):
    need = make_need()
    other = make_need(category="emergency")
    handoff = actions.do_hand_on(need, actor=personas.grid_a, to_kind="external", target=body,
                                 reason="维修")  # fmt: skip
    url = reverse("needs-external", args=[actions.token_for(handoff)])
    page = client.get(url)
    assert page.status_code == 200 and "楼道灯" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "no-store"
    assert f"#{other.pk} ".encode() not in page.content
    client.post(url, {"action": "progress", "text": "x"})  # not accepted yet: refused
    assert not need.events.filter(kind="progress").exists()
    client.post(url, {"action": "accept"})
    assert Need.objects.get(pk=need.pk).owner_external == body
    client.post(url, {"action": "answer", "decision": "resolved", "text": "已更换"})
    assert Need.objects.get(pk=need.pk).status == "answered"
    assert client.get(url.replace("x/", "x/a")).status_code == 404


def test_external_page_throttles_guesses(client, personas, make_need):
    for n in range(20):
        assert client.get(reverse("needs-external", args=[f"bad{n}"])).status_code == 404
    assert client.get(reverse("needs-external", args=["bad"])).status_code == 429


def test_photo_only_to_those_who_see_the_need(client, personas, make_need):
    need = make_need()
    client.force_login(personas.grid_a)
    client.post(reverse("needs-photo-add", args=[need.pk]),
                {"file": SimpleUploadedFile("a.png", PNG)})  # fmt: skip
    photo = need.photos.get()
    url = reverse("needs-photo", args=[need.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    bad = client.post(reverse("needs-photo-add", args=[need.pk]),
                      {"file": SimpleUploadedFile("a.png", b"<html>")}, follow=True)  # fmt: skip
    assert "Only JPEG and PNG" in bad.content.decode() and need.photos.count() == 1
    client.force_login(personas.grid_b)
    assert client.get(url).status_code == 404


def test_list_query_counts_are_pinned(client, personas, make_need, django_assert_num_queries):
    for _ in range(3):
        make_need(new_anyway=True)
    client.force_login(personas.grid_a)
    client.get(reverse("needs-list"))  # warm the per-process caches
    with django_assert_num_queries(9):  # with the header's inbox badge
        client.get(reverse("needs-list"))
    for _ in range(5):
        make_need(new_anyway=True, category="emergency")
    with django_assert_num_queries(9):  # with the header's inbox badge
        client.get(reverse("needs-list"))
    with django_assert_num_queries(8):  # with the needs other systems filed, not yet taken
        client.get(reverse("needs-mine"))


def test_home_panel(client, personas, make_need):
    make_need()
    client.force_login(personas.grid_a)
    page = client.get(reverse("home")).content.decode()
    assert 'id="needs-home"' in page
    client.force_login(personas.administrator)
    assert 'id="needs-home"' not in client.get(reverse("home")).content.decode()


def test_governance_list(client, personas, make_need):
    for _ in range(3):
        make_need()
    client.force_login(personas.clerk_a)
    assert "二印" in client.get(reverse("needs-governance")).content.decode()
    client.force_login(personas.grid_b)
    assert "二印" not in client.get(reverse("needs-governance")).content.decode()


def test_outsider_pages_forbidden(client, personas):
    client.force_login(personas.outsider)
    for name in ("needs-mine", "needs-list", "needs-register", "needs-governance"):
        assert client.get(reverse(name)).status_code == 403, name
