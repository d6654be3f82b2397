"""Open311 GeoReport v2 conformance, written from the specification field by field (open311.org:
GeoReport v2, its Service Discovery page, the Pagination extension, FixMyStreet's
servicerequestupdates), in both formats. Quotes from the specification are in the docstrings;
where the specification leaves a choice, the plan's choice (docs: /work/spec/open311-plan.md)
is named as ours.

Every test runs at a fixed time, Tuesday 2026-12-01 10:00 in Shanghai. Requests are filed
through the endpoint itself, and their ids read from its answers: a test never assumes how an id
is made.
"""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from .open311_support import (
    BASE,
    BD09_TWIN,
    CENTRE_A,
    DATATYPES,
    DISTRICT,
    FORMATS,
    GCJ02_TWIN,
    NOW,
    POINT,
    World,
    assert_error,
    build_world,
    close_need,
    flag,
    form,
    number,
    post_request,
    publish_matter,
    read,
    text,
    when,
)

REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
UPDATE_FIELDS = {
    "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"
}  # fmt: skip


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(personas, frozen) -> World:
    return build_world(personas)


def facilities_form(world: World, **changes) -> list[tuple[str, str]]:
    """A valid realtime request about a broken lamp, ~30 m from compound A's centre;
    ``changes`` replace fields (None drops one)."""
    fields = {
        "api_key": world.key,
        "service_code": "need-facilities",
        "lat": POINT[0],
        "long": POINT[1],
        "attribute[kind]": "lamp",
        "description": "小区门口路灯不亮了，晚上很黑",
    }
    fields.update(changes)
    return [(name, value) for name, value in fields.items() if value is not None]


def only_request(response, fmt: str) -> dict:
    """The POST answer: "a list with exactly one" request."""
    assert response.status_code in (200, 201), (response.status_code, response.content[:400])
    answer = read(response, fmt, root="service_requests")
    assert isinstance(answer, list) and len(answer) == 1, answer
    return answer[0]


def file_request(client, world: World, compound=None, *, code="need-environment", fmt="json"):
    """File a realtime request by address_id; its service_request_id."""
    compound = compound or world.compound_a
    pairs = [
        ("api_key", world.key),
        ("service_code", code),
        ("address_id", compound.code),
        ("description", f"垃圾桶满了没人清 ({compound.code})"),
    ]
    if code == "need-facilities":
        pairs.append(("attribute[kind]", "lamp"))
    item = only_request(post_request(client, fmt, pairs), fmt)
    assert item.get("service_request_id"), item
    return str(item["service_request_id"])


def requests_list(client, fmt: str = "json", **params) -> list[dict]:
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 200, (response.status_code, response.content[:400])
    listed = read(response, fmt, root="service_requests")
    assert isinstance(listed, list), listed
    return listed


def ids(listed: list[dict]) -> set[str]:
    return {str(r["service_request_id"]) for r in listed}


def one_request(client, request_id: str, fmt: str = "json", **headers) -> dict:
    response = client.get(f"{BASE}/requests/{request_id}.{fmt}", **headers)
    assert response.status_code == 200, (response.status_code, response.content[:400])
    listed = read(response, fmt, root="service_requests")
    assert isinstance(listed, list) and len(listed) == 1, listed
    return listed[0]


def api_need():
    from doorstep.needs.models import Need

    return Need.objects.get(source="api")


def w3(moment: datetime.datetime) -> str:
    """ "Must use w3 format, eg 2010-01-01T00:00:00Z"."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def counts() -> tuple[int, int]:
    from doorstep.cases.models import RemoteApplication
    from doorstep.needs.models import Need

    return Need.objects.count(), RemoteApplication.objects.count()


# ---- Service Discovery ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_has_every_field(client, world, fmt):
    """ "All fields are required": changeset, contact, key_service, endpoints; each endpoint's
    specification, url, changeset, type ("production" or "test") and formats (MIME types).
    "Format must be both: xml, json"."""
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    found = read(response, fmt, root="discovery")
    for field in ("changeset", "contact", "key_service"):
        assert text(found[field]).strip(), field
    endpoints = found["endpoints"]
    assert isinstance(endpoints, list) and endpoints
    ours = [e for e in endpoints if e["specification"] == "http://wiki.open311.org/GeoReport_v2"]
    assert ours, endpoints
    for endpoint in endpoints:
        assert text(endpoint["url"]).startswith("http"), endpoint
        assert text(endpoint["changeset"]).strip(), endpoint
        assert endpoint["type"] in ("production", "test"), endpoint
        assert isinstance(endpoint["formats"], list), endpoint
    assert {"text/xml", "application/json"} <= set(ours[0]["formats"])
    # The url is the endpoint's base: a client appends /services.xml to it.
    url = urlsplit(ours[0]["url"].rstrip("/"))
    assert url.path == BASE, url
    assert client.get(f"{url.path}/services.{fmt}").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_changeset_moves_when_services_change(client, world, personas, frozen, fmt):
    """ "an updated changeset indicates that there has been an update to the Service Discovery
    list or to the Service Definitions"; a changeset is a "Sortable field that specifies the
    last time this document was updated"."""
    from doorstep.api.models import Open311Attribute
    from doorstep.needs.models import NeedCategory

    def changesets() -> tuple[str, str]:
        found = read(client.get(f"{BASE}/discovery.{fmt}"), fmt, root="discovery")
        endpoint = next(
            e for e in found["endpoints"]
            if e["specification"] == "http://wiki.open311.org/GeoReport_v2"
        )  # fmt: skip
        return found["changeset"], endpoint["changeset"]

    before = changesets()
    assert changesets() == before  # nothing changed: a client keeps its cache

    def new_public_category():
        category = NeedCategory.objects.get(code="property")
        category.public = True
        category.save()

    def new_attribute():
        Open311Attribute.objects.create(
            need_category=NeedCategory.objects.get(code="environment"), service=None,
            code="bins", datatype="number", required=False, datatype_description="",
            order=1, description="几个垃圾桶", values=[],
        )  # fmt: skip

    def new_matter():
        publish_matter(personas.admin, code="o311-new", name="居住证申领", places=["online"])

    steps = [new_public_category, new_attribute, new_matter]
    for step in steps:
        frozen.shift(datetime.timedelta(hours=1))
        step()
        after = changesets()
        assert after[0] != before[0] and after[0] > before[0], (step.__name__, before, after)
        assert after[1] > before[1], (step.__name__, before, after)
        before = after


def test_the_root_is_a_page_for_people(client, world):
    """Service Discovery: "it's recommended that an HTML version of this file be made
    available too ... at the endpoint for the root of your Open311 GeoReport v2 URLs"."""
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "api_key" in response.content.decode()


# ---- GET Service List ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_fields_and_types(client, world, fmt):
    """Each service: service_code, service_name, description, metadata (true|false), type
    (realtime|batch|blackbox), keywords ("A comma separated list"), group."""
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    services = read(response, fmt, root="services")
    assert isinstance(services, list)
    by_code = {}
    for service in services:
        assert {"service_code", "service_name", "description", "metadata", "type", "keywords",
                "group"} <= set(service), service  # fmt: skip
        assert text(service["service_code"]) and text(service["service_name"]), service
        text(service["description"]), text(service["keywords"]), text(service["group"])
        flag(service["metadata"], fmt)
        assert service["type"] in ("realtime", "batch", "blackbox"), service
        by_code[str(service["service_code"])] = service
    assert len(by_code) == len(services), "service codes must be unique"

    lamps = by_code["need-facilities"]
    assert lamps["type"] == "realtime" and lamps["service_name"] == "公共设施"
    assert flag(lamps["metadata"], fmt) is True  # it has a definition with attributes
    assert flag(by_code["need-environment"]["metadata"], fmt) is False  # no attributes
    matter = by_code["matter-o311-mz"]
    assert matter["type"] == "batch" and matter["service_name"] == "困难残疾人生活补贴"
    assert matter["group"] == "民政"  # its department
    assert [k.strip() for k in text(matter["keywords"]).split(",")] == ["补贴", "残疾"]
    assert flag(matter["metadata"], fmt) is True  # its materials
    # Personal matters, categories out of use and matters done only at a desk are not offered.
    for absent in ("need-neighbours", "need-elderly", "need-utilities", "matter-o311-desk"):
        assert absent not in by_code, absent


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_is_optional_and_checked(client, world, fmt):
    """jurisdiction_id "is only required if the endpoint serves multiple jurisdictions"; an
    empty one is the same as none ("A null parameter should be treated as equivalent to a
    non-declared parameter"); "404 - jurisdiction_id provided was not found"."""
    plain = client.get(f"{BASE}/services.{fmt}").content
    assert client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": DISTRICT}).content == plain
    assert client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": ""}).content == plain
    assert_error(client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "sfgov.org"}), fmt, 404)


# ---- GET Service Definition ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_fields(client, world, fmt):
    """service_code ("the same one submitted for this call") and attributes: variable, code,
    datatype (string, number, datetime, text, singlevaluelist, multivaluelist), required,
    datatype_description, order ("Any positive integer not used for other attributes in the
    same service_code"), description, values with key and name."""
    response = client.get(f"{BASE}/services/need-facilities.{fmt}")
    assert response.status_code == 200
    definition = read(response, fmt, root="service_definition")
    assert definition["service_code"] == "need-facilities"
    attributes = definition["attributes"]
    assert isinstance(attributes, list) and len(attributes) == 6
    orders = []
    by_code = {}
    for attribute in attributes:
        assert {"variable", "code", "datatype", "required", "datatype_description", "order",
                "description"} <= set(attribute), attribute  # fmt: skip
        assert flag(attribute["variable"], fmt) is True
        assert attribute["datatype"] in DATATYPES, attribute
        flag(attribute["required"], fmt)
        text(attribute["datatype_description"])
        assert text(attribute["description"]), attribute
        if fmt == "json":
            assert isinstance(attribute["order"], int), attribute
        orders.append(int(attribute["order"]))
        by_code[attribute["code"]] = attribute
    assert all(o > 0 for o in orders) and len(set(orders)) == len(orders), orders
    assert {a["datatype"] for a in attributes} == DATATYPES
    kind = by_code["kind"]
    assert flag(kind["required"], fmt) is True and int(kind["order"]) == 1
    assert kind["description"] == "哪一类设施"
    assert [(v["key"], v["name"]) for v in kind["values"]] == [("lamp", "路灯"), ("lift", "电梯")]
    hazards = by_code["hazards"]
    assert [(v["key"], v["name"]) for v in hazards["values"]] == [
        ("dark", "太暗"),
        ("sharp", "尖锐"),
    ]
    assert flag(by_code["floor"]["required"], fmt) is False


@pytest.mark.parametrize("fmt", FORMATS)
def test_matter_definition_shows_materials_as_information(client, world, fmt):
    """variable "false means the attribute is only used to present information to the user":
    a matter's materials, the one-time checklist."""
    definition = read(
        client.get(f"{BASE}/services/matter-o311-mz.{fmt}"), fmt, root="service_definition"
    )
    assert definition["service_code"] == "matter-o311-mz"
    materials = world.matter.published_version().materials.order_by("position")
    shown = [a for a in definition["attributes"] if flag(a["variable"], fmt) is False]
    assert [a["code"] for a in shown] == [f"material-{m.pk}" for m in materials]
    for attribute, material in zip(shown, materials, strict=True):
        assert attribute["datatype"] in DATATYPES
        assert material.name in text(attribute["description"])
        assert int(attribute["order"]) > 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["nothing-here", "need-neighbours", "matter-o311-desk"])
def test_unknown_service_definition_is_404(client, world, fmt, code):
    """ "404 - service_code or jurisdiction_id provided were not found"."""
    assert_error(client.get(f"{BASE}/services/{code}.{fmt}"), fmt, 404)


# ---- POST Service Request ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_realtime_request_answers_with_an_id(client, world, fmt):
    """The answer: service_request_id ("This should not be returned if token is returned"),
    service_notice and account_id; the request lands in the compound at the point."""
    response = post_request(client, fmt, facilities_form(world, account_id="user-42"))
    item = only_request(response, fmt)
    assert item.get("service_request_id"), item
    assert not item.get("token"), item
    assert {"service_notice", "account_id"} <= set(item), item
    assert api_need().compound_id == world.compound_a.pk


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["lat_long", "address_string", "address_id"])
def test_every_kind_of_location(client, world, fmt, how):
    """ "One of lat & long or address_string or address_id"."""
    location = {
        "lat_long": {},
        "address_string": {"lat": None, "long": None, "address_string": "二印小区"},
        "address_id": {"lat": None, "long": None, "address_id": world.compound_a.code},
    }[how]
    only_request(post_request(client, fmt, facilities_form(world, **location)), fmt)
    assert api_need().compound_id == world.compound_a.pk


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "system, point", [("", POINT), ("wgs84", POINT), ("gcj02", GCJ02_TWIN), ("bd09", BD09_TWIN)]
)
def test_declared_coordinate_system_lands_with_its_wgs84_twin(client, world, fmt, system, point):
    """lat/long are "using the (WGS84) projection"; a Chinese map SDK's GCJ-02 or BD-09 point,
    declared with coordinate_system (our extension), is converted first. Read as WGS84, each
    twin would sit on another compound's centre. An empty coordinate_system is WGS84."""
    form = facilities_form(world, lat=point[0], long=point[1], coordinate_system=system)
    only_request(post_request(client, fmt, form), fmt)
    assert api_need().compound_id == world.compound_a.pk


@pytest.mark.parametrize("fmt", FORMATS)
def test_attributes_single_and_multiple_values(client, world, fmt):
    """ "attribute[code]=value ... as well as multiple values for the same code in the case of a
    multivaluelist datatype (attribute[code1][]=value1&attribute[code1][]=value2)"."""
    form = [
        *facilities_form(world),
        ("attribute[floor]", "3"),
        ("attribute[hazards][]", "dark"),
        ("attribute[hazards][]", "sharp"),
        ("attribute[seen_at]", "2026-12-01T08:15:30+08:00"),
        ("attribute[details]", "灯杆歪了\n灯罩掉在地上"),
        ("attribute[plate]", "HY-0012"),
    ]
    item = only_request(post_request(client, fmt, form), fmt)
    assert item.get("service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_description_up_to_4000_characters(client, world, fmt):
    """description: "free form text limited to 4,000 characters"."""
    long_text = "灯" * 3999 + "。"
    form = facilities_form(world, description=long_text)
    request_id = str(only_request(post_request(client, fmt, form), fmt)["service_request_id"])
    assert long_text in one_request(client, request_id, fmt)["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_api_key_also_in_a_header(client, world, fmt):
    """Our plan accepts the one API's key as X-API-Key too (the form field is the spec's)."""
    response = post_request(
        client, fmt, facilities_form(world, api_key=None), HTTP_X_API_KEY=world.key
    )
    assert only_request(response, fmt).get("service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
def test_form_without_a_charset_is_utf8(client, world, fmt):
    """ "All text received by the service from the client will be assumed to be UTF-8"; the
    POST's Content-Type is "application/x-www-form-urlencoded" (the charset may be left out)."""
    response = client.post(
        f"{BASE}/requests.{fmt}",
        data=form(facilities_form(world)),
        content_type="application/x-www-form-urlencoded",
    )
    request_id = str(only_request(response, fmt)["service_request_id"])
    assert "小区门口路灯不亮了" in one_request(client, request_id, fmt)["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_who_filed_it_is_never_published(client, world, fmt):
    """The optional email, device_id, account_id, first_name, last_name and phone of "the
    person submitting the request" are taken, and (our privacy rule) never shown."""
    person = {
        "email": "wang.jianguo@example.cn",
        "device_id": "device-7781",
        "account_id": "acct-5521",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13700001234",
    }
    item = only_request(post_request(client, fmt, facilities_form(world, **person)), fmt)
    request_id = str(item["service_request_id"])
    for path in (f"requests/{request_id}", "requests", "servicerequestupdates"):
        body = client.get(f"{BASE}/{path}.{fmt}").content.decode()
        assert request_id in body, path
        for value in ("wang.jianguo", "device-7781", "acct-5521", "建国", "13700001234"):
            assert value not in body, (path, value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_media_url_comes_back_with_the_request(client, world, fmt):
    """POST media_url: "A URL to media associated with the request, eg an image"; GET's
    media_url is the same field: "A URL to media associated with the request"."""
    url = "https://img.example.cn/open311/lamp-0012.jpg"
    form_ = facilities_form(world, media_url=url)
    request_id = str(only_request(post_request(client, fmt, form_), fmt)["service_request_id"])
    assert one_request(client, request_id, fmt)["media_url"] == url


BAD_POSTS = {
    "missing required attribute": {"attribute[kind]": None},
    "empty required attribute": {"attribute[kind]": ""},
    "value not in the list": {"attribute[kind]": "bogus"},
    "a multi value not in the list": {"attribute[hazards][]": "bogus"},
    "a number that is not one": {"attribute[floor]": "three"},
    "a datetime that is not ISO 8601": {"attribute[seen_at]": "yesterday evening"},
    "no location": {"lat": None, "long": None},
    "lat without long": {"long": None},
    "lat not a number": {"lat": "north"},
    "lat NaN": {"lat": "nan"},
    "lat out of range": {"lat": "91"},
    "long out of range": {"long": "181"},
    "far from every compound": {"lat": "39.915", "long": "116.404"},
    "unknown coordinate system": {"coordinate_system": "utm50"},
    "unknown address_id": {"lat": None, "long": None, "address_id": "420105999999999"},
    "address_string matching nothing": {"lat": None, "long": None, "address_string": "火星基地"},
    "description over 4000 characters": {"description": "灯" * 4001},
    "no service_code": {"service_code": None},
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(BAD_POSTS))
def test_bad_posts_are_400_and_write_nothing(client, world, fmt, case):
    """ "400 - service_code or jurisdiction_id was not provided", a missing required attribute
    ("This is only required if the service_code requires a service definition with required
    fields"), "A full location parameter must be submitted", and "basically 400 for any other
    error where the request can not be fulfilled as expected"."""
    before = counts()
    assert_error(post_request(client, fmt, facilities_form(world, **BAD_POSTS[case])), fmt, 400)
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "code", ["need-nothing", "need-neighbours", "need-utilities", "matter-o311-desk"]
)
def test_post_to_an_unknown_service_is_404(client, world, fmt, code):
    """POST: "404 - service_code or jurisdiction_id was not found"."""
    before = counts()
    assert_error(post_request(client, fmt, facilities_form(world, service_code=code)), fmt, 404)
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_to_an_unknown_jurisdiction_is_404(client, world, fmt):
    before = counts()
    form = facilities_form(world, jurisdiction_id="sfgov.org")
    assert_error(post_request(client, fmt, form), fmt, 404)
    assert counts() == before
    form = facilities_form(world, jurisdiction_id=DISTRICT)
    assert only_request(post_request(client, fmt, form), fmt).get("service_request_id")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["missing", "wrong", "revoked", "no grants", "other community"])
def test_missing_or_invalid_key_is_403(client, world, fmt, which):
    """ "403 - Missing or Invalid API Key"; a key whose grants do not cover the place is not
    valid for it (our plan). Nothing is written."""
    from doorstep.api.models import ApiKey

    if which == "revoked":
        ApiKey.objects.filter(user=world.system).update(revoked_at=timezone.now())
    key = {
        "missing": None,
        "wrong": world.key + "x",
        "revoked": world.key,
        "no grants": world.key_none,
        "other community": world.key_b,
    }[which]
    before = counts()
    assert_error(post_request(client, fmt, facilities_form(world, api_key=key)), fmt, 403)
    assert counts() == before


# ---- batch services and tokens -------------------------------------------------------------


def post_matter(client, world: World, fmt: str) -> str:
    pairs = [
        ("api_key", world.key),
        ("service_code", "matter-o311-mz"),
        ("address_id", world.compound_a.code),
        ("description", "老人行动不便，想请社区代办残疾人生活补贴"),
    ]
    item = only_request(post_request(client, fmt, pairs), fmt)
    assert item.get("token"), item
    assert not item.get("service_request_id"), item  # "should not be returned if token is"
    assert {"service_notice", "account_id"} <= set(item), item
    return str(item["token"])


def take_in(personas, world: World, make_resident):
    """The community clerk takes the application in at the desk: a case, linked to it."""
    from doorstep.cases.actions import do_intake
    from doorstep.cases.models import RemoteApplication

    application = RemoteApplication.objects.get()
    materials = world.matter.published_version().materials.order_by("position")
    return do_intake(
        actor=personas.clerk_a, resident=make_resident("张景林"), service=world.matter,
        outcome="accept", provided=[m.pk for m in materials], application=application,
    ).case  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_request_token_resolves_once_taken_in(client, world, personas, make_resident, fmt):
    """type batch: "A token will be returned immediately after the service request is
    submitted. This token can then be later used to return the service request ID";
    tokens/{token}: service_request_id and "The token ID used to make this call"."""
    token = post_matter(client, world, fmt)
    waiting = client.get(f"{BASE}/tokens/{token}.{fmt}")
    if waiting.status_code == 200:  # known, not yet an id
        items = read(waiting, fmt, root="service_requests")
        assert all(not item.get("service_request_id") for item in items), items
    else:
        assert_error(waiting, fmt, 404)

    take_in(personas, world, make_resident)
    response = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert response.status_code == 200
    items = read(response, fmt, root="service_requests")
    assert len(items) == 1 and str(items[0]["token"]) == token, items
    request_id = str(items[0]["service_request_id"])
    assert request_id

    # A matter is about a person: the key that filed it follows it, nobody else does.
    assert_error(client.get(f"{BASE}/requests/{request_id}.{fmt}"), fmt, 404)
    assert_error(
        client.get(f"{BASE}/requests/{request_id}.{fmt}", HTTP_X_API_KEY=world.key_b), fmt, 404
    )
    mine = one_request(client, request_id, fmt, HTTP_X_API_KEY=world.key)
    assert str(mine["service_request_id"]) == request_id
    assert mine["status"] == "open" and mine["service_code"] == "matter-o311-mz"
    assert request_id not in ids(requests_list(client, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token_is_404(client, world, fmt):
    """ "404 - jurisdiction_id or token not found"."""
    assert_error(client.get(f"{BASE}/tokens/no-such-token.{fmt}"), fmt, 404)


# ---- GET Service Request(s) ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_fields(client, world, personas, frozen, fmt):
    """Every field of a request; status open|closed; times "Returned in w3 format"; for a
    closed request updated_datetime "will be the date the request was closed"; lat/long in
    WGS84, at the compound's centre (our privacy rule), not the reported point."""
    item = only_request(post_request(client, fmt, facilities_form(world)), fmt)
    request_id = str(item["service_request_id"])
    need = api_need()
    got = one_request(client, request_id, fmt)
    assert REQUEST_FIELDS <= set(got), REQUEST_FIELDS - set(got)
    assert str(got["service_request_id"]) == request_id
    assert got["status"] == "open"
    assert got["service_code"] == "need-facilities" and got["service_name"] == "公共设施"
    # "A full description of the request or report submitted" (the answers may follow it).
    assert "小区门口路灯不亮了，晚上很黑" in got["description"]
    assert when(got["requested_datetime"]) == NOW
    assert when(got["updated_datetime"]) >= NOW
    assert when(got["expected_datetime"]) == need.feedback_due_at
    assert world.compound_a.name in text(got["address"])
    assert str(got["address_id"]) == world.compound_a.code
    assert (number(got["lat"]), number(got["long"])) == pytest.approx(
        (float(CENTRE_A[0]), float(CENTRE_A[1])), abs=1e-6
    )
    assert (number(got["lat"]), number(got["long"])) != pytest.approx(
        (float(POINT[0]), float(POINT[1])), abs=1e-6
    )
    text(got["status_notes"]), text(got["agency_responsible"]), text(got["media_url"])

    frozen.shift(datetime.timedelta(days=2))
    closed_at = timezone.now()
    close_need(need, actor=personas.admin)
    got = one_request(client, request_id, fmt)
    assert got["status"] == "closed"
    assert when(got["updated_datetime"]) == closed_at


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_is_404(client, world, fmt):
    """ "404 for resources that don't exist"."""
    assert_error(client.get(f"{BASE}/requests/999999.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/requests/no-such-id.{fmt}"), fmt, 404)


@pytest.fixture
def four(client, world, personas, frozen):
    """Four requests in four compounds, a minute apart: two lamps, two rubbish; the first
    lamp closed. Returns their ids in filing order."""
    from doorstep.places.models import Area

    compounds = list(Area.objects.filter(kind="compound").order_by("code")[:4])
    filed = []
    for n, compound in enumerate(compounds):
        code = "need-facilities" if n % 2 == 0 else "need-environment"
        filed.append(file_request(client, world, compound, code=code))
        frozen.shift(datetime.timedelta(minutes=1))
    from doorstep.needs.models import Need

    close_need(Need.objects.get(compound=compounds[0], source="api"), actor=personas.admin)
    return filed


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_id_overrides_every_other_filter(client, four, fmt):
    """service_request_id: "multiple service_request_id can be declared; comma delimited" —
    "This overrides all other arguments"."""
    lamp_closed, rubbish_open, lamp_open, _rubbish = four
    listed = requests_list(
        client, fmt, service_request_id=f"{rubbish_open},{lamp_open}", status="closed",
        service_code="need-facilities", start_date="2020-01-01T00:00:00Z",
        end_date="2020-01-02T00:00:00Z",
    )  # fmt: skip
    assert ids(listed) == {rubbish_open, lamp_open}
    assert ids(requests_list(client, fmt, service_request_id=lamp_closed)) == {lamp_closed}


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_and_status_are_comma_lists(client, four, fmt):
    """service_code "can be declared multiple times, comma delimited"; status "Options: open,
    closed ... comma delimited"; both default to all."""
    lamp_closed, rubbish_open, lamp_open, rubbish_open_2 = four
    assert ids(requests_list(client, fmt)) == set(four)
    assert ids(requests_list(client, fmt, service_code="need-facilities")) == {
        lamp_closed, lamp_open
    }  # fmt: skip
    both = requests_list(client, fmt, service_code="need-facilities,need-environment")
    assert ids(both) == set(four)
    assert ids(requests_list(client, fmt, status="closed")) == {lamp_closed}
    assert ids(requests_list(client, fmt, status="open")) == {
        rubbish_open,
        lamp_open,
        rubbish_open_2,
    }
    assert ids(requests_list(client, fmt, status="open,closed")) == set(four)
    # "A null parameter should be treated as equivalent to a non-declared parameter".
    empty = requests_list(client, fmt, service_request_id="", service_code="", status="")
    assert ids(empty) == set(four)
    listed = requests_list(client, fmt, status="open", service_code="need-facilities")
    assert ids(listed) == {lamp_open}
    for item in requests_list(client, fmt):
        assert item["status"] in ("open", "closed")


@pytest.mark.parametrize("fmt", FORMATS)
def test_start_and_end_dates(client, world, frozen, fmt):
    """start_date/end_date select by requested_datetime, "may not span more than 90 days";
    "When not specified, the range defaults to most recent 90 days"."""
    frozen.move_to(NOW - datetime.timedelta(days=100))
    oldest = file_request(client, world, world.compound_b)
    frozen.move_to(NOW - datetime.timedelta(days=30))
    older = file_request(client, world, world.compound_c)
    frozen.move_to(NOW)
    newest = file_request(client, world, world.compound_a)

    assert ids(requests_list(client, fmt)) == {older, newest}  # the last 90 days
    window = {
        "start_date": w3(NOW - datetime.timedelta(days=40)),
        "end_date": w3(NOW - datetime.timedelta(days=20)),
    }
    assert ids(requests_list(client, fmt, **window)) == {older}
    # Any offset works, not only Z (the client encodes the "+").
    shanghai = {
        "start_date": (NOW - datetime.timedelta(days=120)).isoformat(),
        "end_date": (NOW - datetime.timedelta(days=60)).isoformat(),
    }
    assert ids(requests_list(client, fmt, **shanghai)) == {oldest}
    exactly_90 = {"start_date": w3(NOW - datetime.timedelta(days=90)), "end_date": w3(NOW)}
    assert ids(requests_list(client, fmt, **exactly_90)) == {older, newest}
    too_long = {"start_date": w3(NOW - datetime.timedelta(days=91)), "end_date": w3(NOW)}
    assert_error(client.get(f"{BASE}/requests.{fmt}", too_long), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01T00:00:00Z"},
        {"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
        {"status": "pending"},
        {"page": "two"},
        {"page_size": "-1"},
        {"page_size": "lots"},
    ],
)
def test_bad_query_is_400(client, world, fmt, params):
    """ "basically 400 for any other error where the request can not be fulfilled"."""
    assert_error(client.get(f"{BASE}/requests.{fmt}", params), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_at_most_1000_requests_by_default(client, world, fmt):
    """ "Default query limit is a span of 90 days or first 1000 requests returned, whichever is
    smallest"."""
    from doorstep.needs.models import Need

    file_request(client, world)
    need = api_need()
    clones = []
    for _n in range(1000):
        clone = copy.copy(need)
        clone.pk = clone.id = None
        clones.append(clone)
    Need.objects.bulk_create(clones)
    assert len(requests_list(client, fmt)) == 1000


@pytest.mark.parametrize("fmt", FORMATS)
def test_page_and_page_size(client, four, fmt):
    """The Pagination extension: "page and page_size parameters"."""
    first = requests_list(client, fmt, page=1, page_size=2)
    second = requests_list(client, fmt, page="2", page_size="2")
    third = requests_list(client, fmt, page=3, page_size=2)
    assert len(first) == len(second) == 2 and third == []
    assert ids(first) | ids(second) == set(four) and not ids(first) & ids(second)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path", ["services", "services/need-facilities", "requests", "servicerequestupdates"]
)
def test_unknown_jurisdiction_is_404_everywhere(client, world, fmt, path):
    """ "404 - jurisdiction_id not found" on every method."""
    assert_error(client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "city.gov"}), fmt, 404)
    assert client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": DISTRICT}).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_jurisdiction_on_one_request_and_token(client, world, fmt):
    request_id = file_request(client, world)
    token = post_matter(client, world, fmt)
    for path in (f"requests/{request_id}", f"tokens/{token}"):
        wrong = client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "city.gov"})
        assert_error(wrong, fmt, 404)
    assert one_request(client, request_id, fmt)


# ---- privacy -------------------------------------------------------------------------------


@pytest.fixture
def register(personas, world):
    """register(category, **overrides): a need a grid worker registers at compound A's door,
    with the resident's name and phone."""
    from doorstep.needs.actions import do_register_need
    from doorstep.needs.models import NeedCategory

    def make(category: str = "facilities", **kw):
        fields = {
            "actor": personas.grid_a, "source": "visit", "kind": "help",
            "category": NeedCategory.objects.get(code=category),
            "description": "楼道灯坏了", "compound": world.compound_a,
            "raiser_name": "张阿姨", "raiser_phone": "13912345678", "new_anyway": True,
        }  # fmt: skip
        fields.update(kw)
        return do_register_need(**fields).need

    return make


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_list_shows_no_person(client, world, personas, register, fmt):
    """Our privacy rule: only public-space categories, never a sensitive need, no names or
    phones, no staff's free text, the compound's address and centre, not the point."""
    from doorstep.places.models import Building

    building = Building.objects.create(compound=world.compound_a, number="3")
    shown = register(building=building, lat=Decimal("30.549900"), lng=Decimal("114.219200"))
    register(sensitive=True)
    register("neighbours", description="邻居噪音扰民")
    register("elderly", description="独居老人需要送餐")
    close_need(shown, actor=personas.grid_a, answer="已联系物业王师傅13800001111更换")

    response = client.get(f"{BASE}/requests.{fmt}")
    listed = read(response, fmt, root="service_requests")
    assert len(listed) == 1
    body = response.content.decode()
    secrets = (
        "张阿姨",
        "13912345678",
        "13800001111",
        "王师傅",
        "邻居",
        "独居",
        "3栋",
        "Building 3",
    )
    for secret in secrets:
        assert secret not in body, secret
    got = listed[0]
    assert got["status"] == "closed"
    assert str(got["address_id"]) == world.compound_a.code
    assert (number(got["lat"]), number(got["long"])) == pytest.approx(
        (float(CENTRE_A[0]), float(CENTRE_A[1])), abs=1e-6
    )
    updates = client.get(f"{BASE}/servicerequestupdates.{fmt}").content.decode()
    for secret in ("张阿姨", "13912345678", "13800001111", "王师傅"):
        assert secret not in updates, secret


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_that_stops_being_public_disappears(client, world, fmt):
    """A category made private, or a need marked sensitive, is gone from the public answers."""
    from doorstep.needs.models import Need, NeedCategory

    request_id = file_request(client, world, code="need-environment")
    Need.objects.filter(source="api").update(sensitive=True)
    assert_error(client.get(f"{BASE}/requests/{request_id}.{fmt}"), fmt, 404)
    assert request_id not in ids(requests_list(client, fmt))
    Need.objects.filter(source="api").update(sensitive=False)
    assert one_request(client, request_id, fmt)
    NeedCategory.objects.filter(code="environment").update(public=False)
    assert_error(client.get(f"{BASE}/requests/{request_id}.{fmt}"), fmt, 404)
    assert request_id not in ids(requests_list(client, fmt))
    updates = read(
        client.get(f"{BASE}/servicerequestupdates.{fmt}"), fmt, root="service_requests_updates"
    )
    assert request_id not in {str(u["service_request_id"]) for u in updates}


# ---- servicerequestupdates (FixMyStreet's extension) ---------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_follow_a_request_to_closed(client, world, personas, frozen, fmt):
    """<service_requests_updates><request_update>: update_id, service_request_id, status,
    updated_datetime, description, media_url; start_date/end_date select by updated_datetime."""
    request_id = file_request(client, world)
    frozen.shift(datetime.timedelta(hours=3))
    answered_after = timezone.now() - datetime.timedelta(minutes=1)
    answer = "已派保洁员清运，联系电话13800002222"
    close_need(api_need(), actor=personas.admin, answer=answer, clock=frozen)

    response = client.get(f"{BASE}/servicerequestupdates.{fmt}")
    assert response.status_code == 200
    updates = read(response, fmt, root="service_requests_updates")
    ours = [u for u in updates if str(u["service_request_id"]) == request_id]
    assert ours, updates
    for update in ours:
        assert UPDATE_FIELDS <= set(update), UPDATE_FIELDS - set(update)
        assert text(str(update["update_id"]))
        assert update["status"] in ("open", "closed")
        when(update["updated_datetime"])
        text(update["description"]), text(update["media_url"])
    assert len({str(u["update_id"]) for u in ours}) == len(ours)
    latest = max(ours, key=lambda u: when(u["updated_datetime"]))
    assert latest["status"] == "closed"
    assert "13800002222" not in response.content.decode()

    end = timezone.now() + datetime.timedelta(minutes=1)
    later = client.get(
        f"{BASE}/servicerequestupdates.{fmt}",
        {"start_date": w3(answered_after), "end_date": w3(end)},
    )
    window = read(later, fmt, root="service_requests_updates")
    assert all(answered_after <= when(u["updated_datetime"]) <= end for u in window), window
    assert {str(u["update_id"]) for u in window} == {
        str(u["update_id"]) for u in ours if when(u["updated_datetime"]) >= answered_after
    }
