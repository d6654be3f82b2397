"""The one JSON API of Doorstep, mounted at ``/api/v1/``: each app's router (``<app>/api.py``),
one parser, one error shape and handler, one pair of authentications, and the OpenAPI schema with
its docs page served from our own static files (district networks are often offline)."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponseNotAllowed
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from doorstep.core.rest import errors
from doorstep.core.rest.parser import StrictParser

from .auth import STAFF

DESCRIPTION = """\
Doorstep's JSON API. Staff call it with their browser session (unsafe methods need the
`X-CSRFToken` header) or another system with an API key (`Authorization: Bearer <key>`), made by
an administrator for a system account whose role grants decide what it sees.

Every error is `{"code", "message", "field"}` (`field` is null when the error is not about one
field). Malformed JSON, wrong types (`true` or `1.5` as an id), NUL characters and numbers that
do not fit are 400; missing and not-yours are both 404; a change by someone else or a transition
the case cannot make is 409.

Civic apps and city platforms that speak Open311 GeoReport v2 file and follow residents'
problems at [`/open311/`](/open311/) with the same keys (in JSON or XML, with the
specification's own errors).
"""


def _json_405(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
            response = errors.error(405, "method_not_allowed", _("Method not allowed."))
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def _unknown(request: HttpRequest, rest: str = ""):
    return errors.error(404, "not_found", _("Not found."))


class DoorstepAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if hasattr(pattern, "callback"):
                pattern.callback = _json_405(pattern.callback)
        return [*urls, re_path(r"^(?P<rest>.*)$", _unknown)]


def build() -> NinjaAPI:
    from doorstep.cases.api import router as cases
    from doorstep.catalogue.api import router as catalogue
    from doorstep.desks.api import router as desks
    from doorstep.disputes.api import router as disputes
    from doorstep.feedback.api import router as feedback
    from doorstep.insight.api import router as insight
    from doorstep.needs.api import router as needs
    from doorstep.notify.api import router as inbox
    from doorstep.proactive.api import router as programmes
    from doorstep.reception.api import router as reception
    from doorstep.staff.api import router as staff
    from doorstep.visits.api import router as visits

    from .households import router as households

    api = DoorstepAPI(
        title="Doorstep",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=STAFF,
        parser=StrictParser(),
        docs=Swagger(),
    )
    errors.install(api)
    api.add_router("/services/", catalogue)
    api.add_router("/desks/", desks)
    api.add_router("/", programmes)
    api.add_router("/", cases)
    api.add_router("/", disputes)
    api.add_router("/", needs)
    api.add_router("/", inbox)
    api.add_router("/", households)
    api.add_router("/visits/", visits)
    api.add_router("/", reception)
    api.add_router("/", feedback)
    api.add_router("/insight/", insight)
    api.add_router("/staff/", staff)
    return api


api = build()
