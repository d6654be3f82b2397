"""What the Open311 conformance tests share: reading an answer in either format the way the
GeoReport v2 specification lays it out, and a small world to call the endpoints against.

The specification (open311.org, GeoReport v2, frozen) defines the XML; the JSON is its "Spark
convention" mapping. ``read`` turns either into the same Python shape (lists for the list
elements, dicts for the others, text for the leaves), so one assertion serves both formats;
``flag`` and ``number`` check a leaf's type as each format writes it.

The world: compound A's centre is a fixed WGS84 point; a request posted about 30 m from it must
land there. Compound B's centre is put where the GCJ-02 twin of that point would land if read
as WGS84, and a third compound where its BD-09 twin would: a server that ignores a declared
``coordinate_system`` files the request in the wrong compound. The twins were computed with the
published GCJ-02/BD-09 transform and checked against its reference pair, WGS84 (39.915, 116.404)
→ GCJ-02 (39.91640428150164, 116.41024449916938) → BD-09 (39.922699552216216, 116.41662724378733).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode
from xml.etree import ElementTree

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
FORMATS = ["json", "xml"]
BASE = "/open311"
DISTRICT = "420105"  # our jurisdiction_id: the district's area code

# Compound A's centre, the point a client reports (about 30 m away), and that point's twins.
CENTRE_A = (Decimal("30.549500"), Decimal("114.218700"))
POINT = ("30.5497", "114.2189")
GCJ02_TWIN = ("30.547238562524612", "114.22435553204929")
BD09_TWIN = ("30.55347064423655", "114.23078580565745")

# The list elements of the specification's XML (container → item), Service Discovery's too,
# and FixMyStreet's servicerequestupdates extension.
LISTS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_requests": "request",
    "service_requests_updates": "request_update",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
# "Timezone information (either Z meaning UTC, or an HH:MM offset from UTC) must be included."
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
XML_DECLARATION = re.compile(rb"""^<\?xml version=["']1\.0["'] encoding=["'](?i:utf-8)["']\s*\?>""")


# ---- reading answers -----------------------------------------------------------------------


def _element(el: ElementTree.Element):
    if el.tag in LISTS:
        assert all(child.tag == LISTS[el.tag] for child in el), (el.tag, [c.tag for c in el])
        return [_element(child) for child in el]
    if len(el) == 0:
        return el.text
    tags = [child.tag for child in el]
    assert len(tags) == len(set(tags)), f"repeated element in <{el.tag}>: {tags}"
    return {child.tag: _element(child) for child in el}


def read(response, fmt: str, root: str | None = None):
    """The answer's body as lists, dicts and leaves, after checking what the specification says
    of every answer in ``fmt``: the content type, UTF-8, and for XML the declaration and (when
    given) the root element."""
    content_type = response["Content-Type"].lower()
    if fmt == "json":
        assert content_type.startswith("application/json"), content_type
        return response.json()
    assert content_type.startswith("text/xml"), content_type
    assert "utf-8" in content_type, content_type
    assert XML_DECLARATION.match(response.content), response.content[:80]
    tree = ElementTree.fromstring(response.content)
    if root is not None:
        assert tree.tag == root, tree.tag
    return _element(tree)


def flag(value, fmt: str) -> bool:
    """A true/false field: a JSON boolean, or the text true/false in XML."""
    if fmt == "json":
        assert isinstance(value, bool), value
        return value
    assert value in ("true", "false"), value
    return value == "true"


def number(value) -> float:
    assert value is not None and not isinstance(value, bool), value
    return float(value)


def text(value) -> str:
    """A text field that may be empty (XML writes an empty element, JSON null or "")."""
    assert value is None or isinstance(value, str), value
    return value or ""


def when(value) -> datetime.datetime:
    """A date/time field in the w3 subset of ISO 8601, with its zone, as an aware datetime."""
    assert isinstance(value, str) and W3C_DATETIME.match(value), value
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_error(response, fmt: str, status: int) -> list[dict]:
    """The specification's error answer: a list of {code, description}; our HTTP status is the
    code (the plan's choice; the specification asks only that the HTTP status be right)."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    errors = read(response, fmt, root="errors")
    assert isinstance(errors, list) and errors, errors
    for error in errors:
        assert set(error) >= {"code", "description"}, error
        assert int(error["code"]) == status, error
        assert text(error["description"]).strip(), error
    if fmt == "json":
        assert all(isinstance(e["code"], int) for e in errors), errors
    return errors


def form(pairs) -> str:
    """A form-encoded body; ``pairs`` keeps repeated names (attribute[code][]=…)."""
    return urlencode(list(pairs.items()) if isinstance(pairs, dict) else list(pairs))


def post_request(client, fmt: str, pairs, **headers):
    return client.post(
        f"{BASE}/requests.{fmt}",
        data=form(pairs),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        **headers,
    )


# ---- the world ------------------------------------------------------------------------------


@dataclass
class World:
    key: str  # another system's key: the gateway role over the whole district
    key_b: str  # a system whose grant covers community B only
    key_none: str  # a system account without any grant
    compound_a: object
    compound_b: object
    compound_c: object
    matter: object  # a catalogue matter that can start online: a batch service
    desk_only: object  # a matter done only at a desk: not a service
    system: object


def place(area, lat, lng) -> None:
    """Put ``area``'s centre at a point (to the 6 decimals, ~0.1 m, that a centre keeps)."""
    from doorstep.places.models import Area

    six = Decimal("0.000001")
    lat, lng = Decimal(lat).quantize(six), Decimal(lng).quantize(six)
    Area.objects.filter(pk=area.pk).update(lat=lat, lng=lng)
    area.refresh_from_db()


def system_user(username: str, area_code: str | None):
    from django.contrib.auth import get_user_model

    from doorstep.places.models import Area
    from doorstep.staff.models import RoleGrant

    user = get_user_model().objects.create_user(username, password=None)
    if area_code is not None:
        area = Area.objects.get(code=area_code)
        RoleGrant.objects.create(user=user, role="gateway", area=area)
    return user


def key_for(user) -> str:
    from doorstep.api.actions import do_create_api_key

    return do_create_api_key(user=user, name=f"{user.username} (Open311)")[1]


def publish_matter(actor, *, code: str, name: str, places: list[str], keywords: str = ""):
    from doorstep.catalogue.actions import do_create_draft, do_publish
    from doorstep.catalogue.models import Department, Material, Service, ServiceType

    department = Department.objects.get(code="mz")
    service = Service.objects.create(code=code, name=name, department=department, keywords=keywords)
    draft = do_create_draft(service, actor=actor)
    draft.promised_limit_days, draft.legal_limit_days, draft.max_trips = 10, 20, 1
    draft.type = ServiceType.objects.get_or_create(code="S01", defaults={"name": "行政给付"})[0]
    draft.places = places
    draft.save()
    for n, (material, necessity) in enumerate([("居民身份证", "required"), ("申请表", "required")]):
        Material.objects.create(
            version=draft, position=n, name=material, type="other", form="paper",
            necessity=necessity, source="applicant",
        )  # fmt: skip
    do_publish(draft, actor=actor)
    service.refresh_from_db()
    return service


def public_categories() -> None:
    """Public-space categories: facilities (with a definition) and environment (without);
    utilities is public but out of use; neighbours and elderly are about people."""
    from doorstep.needs.models import NeedCategory

    NeedCategory.objects.update(public=False)
    NeedCategory.objects.filter(code__in=["facilities", "environment", "utilities"]).update(
        public=True
    )
    NeedCategory.objects.filter(code="utilities").update(active=False)


def facilities_attributes() -> None:
    """One attribute of every datatype the specification names, on the facilities category."""
    from doorstep.api.models import Open311Attribute
    from doorstep.needs.models import NeedCategory

    category = NeedCategory.objects.get(code="facilities")
    rows = [
        ("kind", "singlevaluelist", True, "哪一类设施", [["lamp", "路灯"], ["lift", "电梯"]]),
        ("floor", "number", False, "第几层", []),
        ("hazards", "multivaluelist", False, "有哪些危险", [["dark", "太暗"], ["sharp", "尖锐"]]),
        ("seen_at", "datetime", False, "什么时候看到的", []),
        ("details", "text", False, "详细情况", []),
        ("plate", "string", False, "设施编号", []),
    ]
    for order, (code, datatype, required, description, values) in enumerate(rows, start=1):
        Open311Attribute.objects.create(
            need_category=category, service=None, code=code, datatype=datatype,
            required=required, datatype_description="", order=order,
            description=description, values=values,
        )  # fmt: skip


def build_world(personas) -> World:
    from doorstep.needs.seed import seed_categories
    from doorstep.places.models import Area
    from doorstep.workdays.seed import seed_holidays

    seed_holidays()
    seed_categories()
    public_categories()
    facilities_attributes()
    compounds = Area.objects.filter(kind="compound")
    compound_c = compounds.exclude(pk__in=[personas.compound_a.pk, personas.compound_b.pk])
    compound_c = compound_c.order_by("code").first()
    # Only the three compounds of the test have a centre, so nothing else is "nearest".
    compounds.update(lat=None, lng=None)
    place(personas.compound_a, *CENTRE_A)
    place(personas.compound_b, *GCJ02_TWIN)
    place(compound_c, *BD09_TWIN)
    system = system_user("bridge", DISTRICT)
    return World(
        key=key_for(system),
        key_b=key_for(system_user("bridge_b", personas.area_b.code)),
        key_none=key_for(system_user("bridge_none", None)),
        compound_a=personas.compound_a,
        compound_b=personas.compound_b,
        compound_c=compound_c,
        matter=publish_matter(
            personas.admin,
            code="o311-mz",
            name="困难残疾人生活补贴",
            places=["online", "community"],
            keywords="补贴 残疾",
        ),
        desk_only=publish_matter(
            personas.admin, code="o311-desk", name="老年人优待证", places=["community"]
        ),
        system=system,
    )


def close_need(need, *, actor, answer: str = "已更换楼道灯泡", clock=None) -> None:
    """Resolve a need the way a community does: start it (a need another system filed is owned
    by whoever starts it), answer the resident, then the callback finds them satisfied and the
    need closes. With a (frozen) ``clock``, a minute passes before each step."""
    from doorstep.feedback.actions import Called
    from doorstep.needs.actions import do_answer, do_callback, do_transition

    def later() -> None:
        if clock is not None:
            clock.shift(datetime.timedelta(minutes=1))

    if need.status == "new":
        later()
        do_transition(need, "start", actor=actor)
        need.refresh_from_db()
    later()
    do_answer(need, actor=actor, decision="resolved", answer=answer)
    need.refresh_from_db()
    later()
    do_callback(need, actor=actor, called=Called(reached=True, solved="yes", satisfaction=4))
    need.refresh_from_db()
