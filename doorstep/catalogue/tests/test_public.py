"""Public guides: no login, search by Chinese and pinyin, browse, only published content."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doorstep.catalogue.actions import do_create_draft, do_publish
from doorstep.catalogue.models import Service
from doorstep.catalogue.search import search_services


@pytest.mark.parametrize(
    "query", ["最低生活", "生活保障", "低保", "zuidi", "zdsh", "ZDSHBZ", "ｚｄｓｈ", "mz-001"]
)
def test_search_finds_dibao(catalogue, query):
    assert "mz-001" in [code for code, _n, _d in search_services(query)]


@pytest.mark.parametrize("query", ["xyz", "火星", "%", "_", "' OR 1=1 --", "\x00", "1234"])
def test_search_nonsense_finds_nothing(catalogue, query):
    assert search_services(query) == []


def test_index_search_and_browse(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("catalogue-index"), {"q": "dibao"})
    assert response.status_code == 200
    assert "最低生活保障" in response.content.decode()
    response = client.get(reverse("catalogue-department", args=["mz"]))
    assert "80周岁以上老年人高龄津贴发放" in response.content.decode()
    assert "城乡居民参保登记" not in response.content.decode()
    response = client.get(reverse("catalogue-life-event", args=["elderly"]))
    assert "80周岁以上老年人高龄津贴发放" in response.content.decode()
    assert client.get(reverse("catalogue-department", args=["nope"])).status_code == 404


def test_overlong_query_is_a_clear_message(client, catalogue):
    response = client.get(reverse("catalogue-index"), {"q": "低" * 500})
    assert response.status_code == 200 and "too long" in response.content.decode()


def test_guide_shows_published_content_and_qr(client, dibao):
    response = client.get(reverse("catalogue-guide", args=["mz-001"]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "最低生活保障",
        "居民身份证",
        "户口簿",
        "20 working days",
        "Free",
        "At most one trip",
    ]:
        assert text in html
    assert "<svg" in html and "guide.pdf" in html
    assert "Sample list of matters" in html


def test_draft_never_public(client, dibao, personas):
    draft = do_create_draft(dibao, actor=personas.admin)
    draft.purpose = "DRAFT-ONLY TEXT"
    draft.save()
    html = client.get(reverse("catalogue-guide", args=["mz-001"])).content.decode()
    assert "DRAFT-ONLY TEXT" not in html
    do_publish(draft, actor=personas.admin)
    html = client.get(reverse("catalogue-guide", args=["mz-001"])).content.decode()
    assert "DRAFT-ONLY TEXT" in html


def test_service_with_only_a_draft_is_404(client, catalogue, personas):
    service = Service.objects.create(
        code="zz-001", name="草稿事项", department=catalogue["mz-001"].department
    )
    do_create_draft(service, actor=personas.admin)
    assert client.get(reverse("catalogue-guide", args=["zz-001"])).status_code == 404
    assert client.get(reverse("catalogue-guide-pdf", args=["zz-001"])).status_code == 404
    assert "zz-001" not in [c for c, _n, _d in search_services("草稿")]


def test_inactive_service_is_404(client, dibao):
    dibao.is_active = False
    dibao.save(update_fields=["is_active"])
    assert client.get(reverse("catalogue-guide", args=["mz-001"])).status_code == 404


@pytest.mark.parametrize("persona", [None, "outsider", "clerk_a"])
def test_public_pages_need_no_login(client, dibao, personas, persona):
    if persona:
        client.force_login(getattr(personas, persona))
    for url in [reverse("catalogue-index"), reverse("catalogue-guide", args=["mz-001"])]:
        assert client.get(url).status_code == 200
