"""One answer in both of the specification's formats: JSON, and XML shaped as GeoReport v2
writes it (a list becomes a parent element holding one child per item)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

FORMATS = {"json": "application/json", "xml": "text/xml"}

# The name of each item of a list, by the list's own element name.
ITEM = {
    "services": "service",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "errors": "error",
}


class Open311Error(Exception):
    """An answer the specification defines as an error: 400, 403 or 404 with a description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        name = ITEM[element.tag]
        for item in value:
            _fill(ElementTree.SubElement(element, name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, value)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` as JSON, or as XML under the element ``root`` (a list's items are named by
    ``ITEM[root]``)."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=f"{FORMATS[fmt]}; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
