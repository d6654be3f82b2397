"""The Open311 endpoints: thin views over ``services``, ``filing`` and ``reading``. Each answers
in the format its extension names, with the specification's errors (400, 403, 404, and 405 for
a method the endpoint does not take), never a 500 for what a client sends."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from doorstep.core.throttle import Throttle
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from ..actions import user_for_secret
from ..auth import header_secret
from . import filing, reading, services
from .render import FORMATS, Open311Error, error, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def filing_throttle() -> Throttle:
    """At most DOORSTEP_OPEN311_POSTS_PER_HOUR requests filed per key an hour: a client in a
    loop must not bury a community's list."""
    return Throttle("open311-file", settings.DOORSTEP_OPEN311_POSTS_PER_HOUR, 3600)


def jurisdiction() -> str:
    return Area.objects.filter(kind=AreaKind.DISTRICT).values_list("code", flat=True).first() or ""


def _check_jurisdiction(data) -> None:
    given = (data.get("jurisdiction_id") or "").strip()
    if given and given != jurisdiction():
        raise Open311Error(404, _("jurisdiction_id %(id)s is not ours.") % {"id": given[:40]})


def _check_text(data, kwargs: dict) -> None:
    """No NUL character anywhere (PostgreSQL cannot store or compare one)."""
    values = [v for key in data for v in data.getlist(key)] + list(kwargs.values()) + list(data)
    if any("\x00" in value for value in values):
        raise Open311Error(400, _("The request holds a NUL character."))


def _key_user(request, data):
    """The active user of the API key given as ``api_key`` (the specification's way) or in a
    header; None when no key is given, a 403 when a key is given but is not one of ours."""
    secret = (data.get("api_key") or header_secret(request) or "").strip()
    if not secret:
        return None
    user = user_for_secret(secret)
    if user is None:
        raise Open311Error(403, _("api_key is not a valid key."))
    return user


def endpoint(*methods: str):
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return error("json", 404, _("Unknown format: use .json or .xml."))
            if request.method not in methods:
                response = error(fmt, 405, _("Method not allowed."))
                response["Allow"] = ", ".join(methods)
                return response
            data = request.POST if request.method == "POST" else request.GET
            try:
                _check_text(data, kwargs)
                _check_jurisdiction(data)
                return view(request, fmt, data, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)

        return wrapper

    return decorate


@endpoint("GET")
def discovery(request, fmt: str, data):
    changeset = services.changeset()
    base = request.build_absolute_uri(reverse("open311-docs"))
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": settings.DOORSTEP_OPEN311_CONTACT
            or _("Ask the district's administrator for a key: %(url)s") % {"url": base},
            "key_service": base,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base.rstrip("/"),
                    "changeset": changeset,
                    "type": "test" if settings.DOORSTEP_DEMO else "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def service_list(request, fmt: str, data):
    return respond(fmt, "services", [s.summary() for s in services.offered()])


@endpoint("GET")
def service_definition(request, fmt: str, data, code: str):
    offered = services.find(code)
    if offered is None:
        raise services.unknown(code, 404)
    return respond(fmt, "service_definition", offered.definition())


@endpoint("GET", "POST")
def requests(request, fmt: str, data):
    user = _key_user(request, data)
    if request.method == "GET":
        return respond(fmt, "service_requests", reading.list_requests(user, data))
    if user is None:
        raise Open311Error(403, _("api_key is required to file a request."))
    if filing_throttle().hit(str(user.pk)) > filing_throttle().limit:
        raise Open311Error(429, _("Too many requests from this key: try again within the hour."))
    return respond(fmt, "service_requests", [filing.file_request(user, data)], status=201)


@endpoint("GET")
def one_request(request, fmt: str, data, request_id: str):
    user = _key_user(request, data)
    return respond(fmt, "service_requests", [reading.one_request(user, request_id)])


@endpoint("GET")
def token(request, fmt: str, data, token: str):
    return respond(fmt, "service_requests", [reading.token(token)])


@endpoint("GET")
def updates(request, fmt: str, data):
    user = _key_user(request, data)
    return respond(fmt, "service_requests_updates", reading.list_updates(user, data))


@csrf_exempt
def unknown(request, rest: str = ""):
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, 404, _("Not found."))


def docs(request):
    """How to get a key and call the endpoints, with this district's own values."""
    return render(
        request,
        "api/open311.html",
        {
            "jurisdiction": jurisdiction(),
            "base": request.build_absolute_uri(reverse("open311-docs")).rstrip("/"),
            "services": services.offered(),
            "snap": settings.DOORSTEP_OPEN311_SNAP_METRES,
        },
    )
