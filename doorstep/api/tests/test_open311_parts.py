"""The Open311 layer's own parts: the XML shape, the answers to a definition's questions, the
span of a search, routing by address, the changeset, who may file where, what the public may
read, and the page that explains it all. (The endpoint-by-endpoint conformance tests, written
from the specification, are in test_open311_spec.py.)"""

from __future__ import annotations

import datetime
import json
from xml.etree import ElementTree

import pytest
import time_machine
from django.http import QueryDict
from django.utils import translation

from doorstep.api.actions import do_create_api_key
from doorstep.api.models import Datatype, Open311Attribute
from doorstep.api.open311 import answers, reading, services
from doorstep.api.open311.location import locate
from doorstep.api.open311.render import Open311Error, to_xml
from doorstep.needs.models import Need, NeedCategory
from doorstep.staff.choices import Role
from doorstep.staff.models import RoleGrant

NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lights(personas):
    category = NeedCategory.objects.get(code="lights")
    Open311Attribute.objects.create(
        need_category=category, code="lamps", datatype=Datatype.NUMBER, required=True,
        description="有几盏灯不亮？", order=1,
    )  # fmt: skip
    return category


def gateway(django_user_model, area, name="gw"):
    """Another system's account with the gateway role over ``area``, and its key."""
    user = django_user_model.objects.create_user(name)
    RoleGrant.objects.create(user=user, role=Role.GATEWAY, area=area)
    return do_create_api_key(user=user, name=name)[1]


def post(client, secret, fmt="json", **fields):
    data = {"api_key": secret, **fields} if secret else fields
    return client.post(f"/open311/requests.{fmt}", data)


# ---- XML -------------------------------------------------------------------------------------


def test_lists_become_parent_elements_with_one_child_per_item():
    root = ElementTree.fromstring(
        to_xml("discovery", {"changeset": "x", "endpoints": [{"formats": ["text/xml", "a"],
                                                              "ok": True, "none": None}]})
    )  # fmt: skip
    endpoint = root.find("endpoints/endpoint")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "a"]
    assert endpoint.findtext("ok") == "true"
    assert endpoint.findtext("none") == ""


# ---- answers ---------------------------------------------------------------------------------


def _attr(datatype, **kw):
    return Open311Attribute(code="q", datatype=datatype, description="问题", **kw)


@pytest.mark.parametrize(
    ("datatype", "value", "expected"),
    [
        (Datatype.NUMBER, " 3 ", "3"),
        (Datatype.STRING, "三栋", "三栋"),
        (Datatype.TEXT, "晚上十点以后", "晚上十点以后"),
        (Datatype.DATETIME, "2026-06-01T08:30:00+08:00", "2026-06-01T08:30:00+08:00"),
    ],
)
def test_a_good_answer_is_kept(datatype, value, expected):
    q = QueryDict(mutable=True)
    q["attribute[q]"] = value
    assert answers.read(q, [_attr(datatype)]) == {"q": expected}


@pytest.mark.parametrize(
    ("datatype", "value"),
    [
        (Datatype.NUMBER, "three"),
        (Datatype.NUMBER, "NaN"),
        (Datatype.NUMBER, "1e400"),
        (Datatype.DATETIME, "yesterday"),
        (Datatype.DATETIME, "2026-13-45T99:00:00"),
        (Datatype.STRING, "长" * 201),
        (Datatype.SINGLE, "maybe"),
    ],
)
def test_a_bad_answer_is_a_400_naming_the_attribute(datatype, value):
    attribute = _attr(datatype, values=[["yes", "是"], ["no", "否"]])
    q = QueryDict(mutable=True)
    q["attribute[q]"] = value
    with pytest.raises(Open311Error) as caught:
        answers.read(q, [attribute])
    assert caught.value.status == 400
    assert "attribute[q]" in caught.value.description


def test_several_values_come_as_a_list_and_must_all_be_choices():
    attribute = _attr(Datatype.MULTI, values=[["a", "甲"], ["b", "乙"]])
    q = QueryDict(mutable=True)
    q.setlist("attribute[q][]", ["a", "b", "a"])
    assert answers.read(q, [attribute]) == {"q": ["a", "b"]}
    assert answers.readable({"q": ["a", "b"]}, [attribute]) == {"问题": "甲、乙"}
    q.setlist("attribute[q][]", ["a", "z"])
    with pytest.raises(Open311Error):
        answers.read(q, [attribute])


def test_a_required_question_left_blank_is_a_400_and_an_extra_one_is_ignored():
    q = QueryDict(mutable=True)
    q["attribute[other]"] = "x"
    q["attribute[q]"] = "  "
    with pytest.raises(Open311Error) as caught:
        answers.read(q, [_attr(Datatype.STRING, required=True)])
    assert "attribute[q]" in caught.value.description
    assert answers.read(q, [_attr(Datatype.STRING)]) == {}


# ---- the span of a search --------------------------------------------------------------------


def test_the_span_defaults_to_the_last_90_days_and_is_never_longer(frozen):
    start, end = reading.span(QueryDict())
    assert end - start == datetime.timedelta(days=90)
    q = QueryDict("start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-04-02T00:00:00%2B08:00")
    with pytest.raises(Open311Error) as caught:
        reading.span(q)
    assert caught.value.status == 400
    with pytest.raises(Open311Error):
        reading.span(QueryDict("start_date=2026-05-01&end_date=2026-04-01"))
    # An unencoded "+" arrives as a space: still read as the offset it was.
    start, _end = reading.span(QueryDict("start_date=2026-05-01T00:00:00+08:00"))
    assert start.utcoffset() == datetime.timedelta(hours=8)


# ---- where ---------------------------------------------------------------------------------


def test_an_address_naming_a_compound_finds_it(personas):
    compound = personas.compound_a
    found = locate({"address_string": f"武汉市汉阳区{compound.name}3栋"})
    assert found.compound == compound
    with pytest.raises(Open311Error) as caught:
        locate({"address_string": "北京市朝阳区某某路1号"})
    assert caught.value.status == 400
    with pytest.raises(Open311Error):
        locate({"address_id": "999"})
    with pytest.raises(Open311Error):
        locate({})


# ---- the changeset ---------------------------------------------------------------------------


def test_the_changeset_moves_when_the_list_changes_and_not_with_the_language(personas):
    with time_machine.travel(NOW, tick=False):
        first = services.changeset()
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        with translation.override("en"):
            assert services.changeset() == first
        NeedCategory.objects.filter(code="noise").update(active=False)
        moved = services.changeset()
    assert moved > first


# ---- who may file where ----------------------------------------------------------------------


def test_a_key_files_only_inside_its_grant(client, lights, personas, django_user_model):
    secret = gateway(django_user_model, personas.area_a)
    fields = {"service_code": "need-lights", "attribute[lamps]": "2", "description": "路灯不亮"}
    ok = post(client, secret, address_id=personas.compound_a.code, **fields)
    assert ok.status_code == 201, ok.content
    elsewhere = post(client, secret, address_id=personas.compound_b.code, **fields)
    assert elsewhere.status_code == 403
    assert json.loads(elsewhere.content)[0]["code"] == 403
    for bad in ("", "not-a-key"):
        refused = post(client, bad, address_id=personas.compound_a.code, **fields)
        assert refused.status_code == 403
    ungranted = do_create_api_key(user=personas.outsider, name="x")[1]
    assert post(client, ungranted, address_id=personas.compound_a.code, **fields).status_code == 403
    assert Need.objects.count() == 1


def test_a_staff_members_own_key_files_where_they_handle_needs(client, lights, personas):
    secret = do_create_api_key(user=personas.grid_a, name="grid")[1]
    fields = {"service_code": "need-lights", "attribute[lamps]": "1"}
    assert post(client, secret, address_id=personas.compound_a.code, **fields).status_code == 201
    assert post(client, secret, address_id=personas.compound_b.code, **fields).status_code == 403


# ---- what the public reads -------------------------------------------------------------------


def test_the_public_never_reads_sensitive_or_personal_needs(client, lights, personas):
    from doorstep.needs.actions.register import do_register_need

    def register(category, sensitive=False):
        return do_register_need(
            actor=personas.clerk_a, source="desk", kind="help", category=category,
            description="张三 13800138000 家门口", compound=personas.compound_a,
            raiser_name="张三", raiser_phone="13800138000", sensitive=sensitive, new_anyway=True,
        ).need  # fmt: skip

    shown = register(lights)
    hidden = [register(lights, sensitive=True), register(NeedCategory.objects.get(code="elderly"))]
    listed = json.loads(client.get("/open311/requests.json").content)
    assert [r["service_request_id"] for r in listed] == [str(shown.pk)]
    body = client.get(f"/open311/requests/{shown.pk}.json").content.decode()
    assert "张三" not in body and "13800138000" not in body
    assert json.loads(body)[0]["address_id"] == personas.compound_a.code
    for need in hidden:
        assert client.get(f"/open311/requests/{need.pk}.json").status_code == 404
        assert client.get(f"/open311/requests/{need.pk}.xml").status_code == 404
    updates = json.loads(client.get("/open311/servicerequestupdates.json").content)
    assert {u["service_request_id"] for u in updates} == {str(shown.pk)}


# ---- errors of the format itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/open311/services.csv", 404),
        ("get", "/open311/nothing-here.json", 404),
        ("delete", "/open311/requests.json", 405),
        ("post", "/open311/services.json", 405),
        ("get", "/open311/services.json?jurisdiction_id=110105", 404),
    ],
)
def test_errors_of_the_format_itself_are_error_lists(client, places, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    error = json.loads(response.content)[0]
    assert error["code"] == status and error["description"]


def test_the_right_jurisdiction_is_welcome(client, places):
    assert client.get("/open311/services.xml?jurisdiction_id=420105").status_code == 200


# ---- the page that explains it ---------------------------------------------------------------


def test_the_page_explains_how_to_get_a_key_with_our_values(client, lights):
    page = client.get("/open311/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "420105" in text and "need-lights" in text and "api_key" in text


def test_a_key_in_a_loop_is_stopped_before_it_buries_the_list(
    client, lights, personas, django_user_model, settings
):
    settings.DOORSTEP_OPEN311_POSTS_PER_HOUR = 2
    secret = gateway(django_user_model, personas.area_a)
    fields = {"service_code": "need-lights", "attribute[lamps]": "1"}
    codes = [
        post(client, secret, address_id=personas.compound_a.code, **fields).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert Need.objects.count() == 2


def test_the_list_costs_the_same_queries_for_few_or_many(client, lights, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from doorstep.needs.actions.register import do_register_need

    def register(n):
        for _ in range(n):
            do_register_need(
                actor=personas.clerk_a, source="desk", kind="help", category=lights,
                description="路灯不亮", compound=personas.compound_a, raiser_name="居民",
                new_anyway=True,
            )  # fmt: skip

    counts = []
    for n in (2, 6):
        register(n)
        for path in ("requests", "servicerequestupdates"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/open311/{path}.json").status_code == 200
            counts.append((path, len(queries)))
    assert counts[:2] == counts[2:]


def test_the_answers_reach_the_clerk_but_are_never_published(client, lights, personas,
                                                            django_user_model):  # fmt: skip
    Open311Attribute.objects.create(
        need_category=lights, code="where", datatype=Datatype.STRING, description="哪一栋？",
        order=2,
    )  # fmt: skip
    secret = gateway(django_user_model, personas.area_a)
    made = post(
        client, secret, address_id=personas.compound_a.code, service_code="need-lights",
        description="路灯不亮", **{"attribute[lamps]": "2", "attribute[where]": "3栋2单元"},
        media_url="https://example.org/p.jpg",
    )  # fmt: skip
    need = Need.objects.get(pk=json.loads(made.content)[0]["service_request_id"])
    assert need.details == {"有几盏灯不亮？": "2", "哪一栋？": "3栋2单元"}
    public = json.loads(client.get(f"/open311/requests/{need.pk}.json").content)[0]
    assert public["description"] == "路灯不亮"
    assert public["media_url"] == "https://example.org/p.jpg"
    assert "3栋" not in client.get("/open311/requests.xml").content.decode()
    client.force_login(personas.clerk_a)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "3栋2单元" in page and "https://example.org/p.jpg" in page
