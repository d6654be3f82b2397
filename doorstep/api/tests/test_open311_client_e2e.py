"""An Open311 client against a real server: plain HTTP from the standard library (urllib), as a
city platform's adapter or a civic app would call it, knowing only the discovery URL and a key.

A realtime request is posted, followed by its id, resolved by the community clerk through the
real actions, and the client sees its status go to closed and an update appear. A batch matter
is posted, followed by its token, taken in at the desk, and the token then gives the id.

Not the PyPI ``georeport`` client (0.3.1): it reads services and requests but cannot post a
request, resolve a token, or read discovery, so it could not drive either flow.

The clock runs from a fixed time (the live server's thread needs it to run).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from xml.etree import ElementTree

import pytest

from .open311_support import NOW, POINT, build_world, close_need, form

TIMEOUT = 20


@pytest.fixture
def running_clock():
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


class Client:
    """What an Open311 client needs: GET with a query, POST a form, read JSON or XML."""

    def __init__(self, discovery_url: str, key: str):
        self.key = key
        found = self.get_json(discovery_url)
        endpoint = next(
            e for e in found["endpoints"]
            if e["specification"] == "http://wiki.open311.org/GeoReport_v2"
        )  # fmt: skip
        self.base = endpoint["url"].rstrip("/")

    @staticmethod
    def _open(request) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers["Content-Type"]

    def get(self, path: str, query=None, *, headers=None) -> tuple[int, bytes, str]:
        url = path if path.startswith("http") else f"{self.base}/{path}"
        if query:
            url += "?" + form(query)
        return self._open(urllib.request.Request(url, headers=headers or {}))

    def get_json(self, path: str, query=None, **kw):
        status, body, content_type = self.get(path, query, **kw)
        assert status == 200, (status, body[:300])
        assert content_type.startswith("application/json")
        return json.loads(body)

    def get_xml(self, path: str, query=None, **kw) -> ElementTree.Element:
        status, body, content_type = self.get(path, query, **kw)
        assert status == 200, (status, body[:300])
        assert content_type.startswith("text/xml")
        return ElementTree.fromstring(body)

    def post(self, path: str, pairs) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"{self.base}/{path}",
            data=form([("api_key", self.key), *pairs]).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            method="POST",
        )
        status, body, _content_type = self._open(request)
        return status, body


def test_a_client_files_a_request_and_sees_it_closed(
    live_server, transactional_db, personas, running_clock
):
    from doorstep.needs.models import Need

    world = build_world(personas)
    client = Client(f"{live_server.url}/open311/discovery.json", world.key)

    services = {s["service_code"]: s for s in client.get_json("services.json")}
    lamp = services["need-facilities"]
    assert lamp["type"] == "realtime" and lamp["metadata"] is True
    definition = client.get_json("services/need-facilities.json")
    required = [a for a in definition["attributes"] if a["variable"] and a["required"]]
    answers = [(f"attribute[{a['code']}]", a["values"][0]["key"]) for a in required]
    status, body = client.post(
        "requests.json",
        [("service_code", "need-facilities"), ("lat", POINT[0]), ("long", POINT[1]),
         ("description", "小区门口路灯不亮了"), *answers],
    )  # fmt: skip
    assert status in (200, 201), body
    [filed] = json.loads(body)
    request_id = str(filed["service_request_id"])

    [followed] = client.get_json(f"requests/{request_id}.json")
    assert followed["status"] == "open"
    assert followed["address_id"] == personas.compound_a.code

    # The community clerk resolves it: answers the resident, then calls back.
    need = Need.objects.get(source="api")
    close_need(need, actor=personas.clerk_a, answer="已更换灯泡")

    [followed] = client.get_json(f"requests/{request_id}.json")
    assert followed["status"] == "closed"
    [listed] = client.get_json("requests.json", {"service_request_id": request_id})
    assert listed["status"] == "closed"
    updates = client.get_json("servicerequestupdates.json")
    ours = [u for u in updates if str(u["service_request_id"]) == request_id]
    assert any(u["status"] == "closed" for u in ours), updates
    # The same, in XML.
    root = client.get_xml(f"requests/{request_id}.xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/status") == "closed"
    root = client.get_xml("servicerequestupdates.xml")
    assert root.tag == "service_requests_updates"
    statuses = [
        u.findtext("status")
        for u in root.findall("request_update")
        if u.findtext("service_request_id") == request_id
    ]
    assert "closed" in statuses


def test_a_client_files_a_matter_and_follows_its_token(
    live_server, transactional_db, personas, make_resident, running_clock
):
    from doorstep.cases.actions import do_intake
    from doorstep.cases.models import RemoteApplication

    world = build_world(personas)
    client = Client(f"{live_server.url}/open311/discovery.json", world.key)

    services = client.get_xml("services.xml")
    codes = {s.findtext("service_code"): s for s in services.findall("service")}
    assert codes["matter-o311-mz"].findtext("type") == "batch"
    status, body = client.post(
        "requests.xml",
        [("service_code", "matter-o311-mz"), ("address_id", personas.compound_a.code),
         ("description", "想请社区代办残疾人生活补贴")],
    )  # fmt: skip
    assert status in (200, 201), body
    answer = ElementTree.fromstring(body)
    token = answer.findtext("request/token")
    assert token and not answer.findtext("request/service_request_id")

    status, body, _type = client.get(f"tokens/{token}.xml")
    if status == 200:
        assert not ElementTree.fromstring(body).findtext("request/service_request_id")
    else:
        assert status == 404

    # The clerk takes it in at the desk, linking the application to the new case.
    application = RemoteApplication.objects.get()
    materials = world.matter.published_version().materials.order_by("position")
    do_intake(
        actor=personas.clerk_a, resident=make_resident("张景林"), service=world.matter,
        outcome="accept", provided=[m.pk for m in materials], application=application,
    )  # fmt: skip

    resolved = client.get_xml(f"tokens/{token}.xml")
    assert resolved.findtext("request/token") == token
    request_id = resolved.findtext("request/service_request_id")
    assert request_id
    mine = client.get_xml(f"requests/{request_id}.xml", headers={"X-API-Key": world.key})
    assert mine.findtext("request/status") == "open"
    assert mine.findtext("request/service_code") == "matter-o311-mz"
    status, _body, _type = client.get(f"requests/{request_id}.xml")
    assert status == 404  # a matter is about a person: only the key that filed it follows it
