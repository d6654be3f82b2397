"""POST requests: a realtime service becomes a need of the compound's community at once, a batch
service a remote application that waits for a clerk (the answer carries its token)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from doorstep.cases.actions.applications import do_file_application
from doorstep.cases.models import CONTACT_FIELDS
from doorstep.needs.actions.register import do_register_need, may_register
from doorstep.needs.choices import Kind, Source

from . import answers as attribute_answers
from . import services
from .location import Located, locate
from .render import Open311Error

DESCRIPTION_MAX = 4000
MEDIA_MAX = 500
CONTACT_MAX = 100
# Marks the needs filed through Open311: their description was written to be published.
SOURCE_REF = "open311"


def _text(data, name: str, limit: int) -> str:
    value = data.get(name, "")
    if "\x00" in value:
        raise Open311Error(400, _("%(field)s holds a NUL character.") % {"field": name})
    if len(value) > limit:
        raise Open311Error(
            400, _("%(field)s is at most %(n)d characters.") % {"field": name, "n": limit}
        )
    return value.strip()


def _media_url(data) -> str:
    url = _text(data, "media_url", MEDIA_MAX)
    if url and not url.lower().startswith(("https://", "http://")):
        raise Open311Error(400, _("media_url must be an http or https address."))
    return url


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages) or _("The request cannot be taken.")


def _need(user, offered: services.Offered, where: Located, text: str, contact: dict,
          media_url: str, details: dict[str, str]) -> dict:  # fmt: skip
    if not may_register(user, where.compound.code, Source.API):
        raise PermissionDenied
    name = f"{contact['last_name']}{contact['first_name']}".strip()
    registered = do_register_need(
        actor=user,
        source=Source.API,
        kind=Kind.HELP,
        category=offered.category,
        description=text,
        compound=where.compound,
        lat=None if where.lat is None else round(where.lat, 6),
        lng=None if where.lng is None else round(where.lng, 6),
        raiser_name=name or _("Resident (through %(system)s)") % {"system": user.get_username()},
        raiser_phone=contact["phone"],
        source_ref=SOURCE_REF,
        new_anyway=True,
        media_url=media_url,
        details=details,
    )
    return {
        "service_request_id": str(registered.need.pk),
        "service_notice": services.limit_text(offered.category),
        "account_id": contact["account_id"] or None,
    }


def _application(user, offered: services.Offered, where: Located, text: str, answers: dict,
                 contact: dict) -> dict:  # fmt: skip
    application = do_file_application(
        actor=user,
        service=offered.service,
        compound=where.compound,
        description=text,
        attributes=answers,
        contact=contact,
        labels={a.code: a.description for a in offered.attributes},
    )
    return {
        "token": application.token,
        "service_notice": _(
            "The community will call the applicant to take the matter in; follow it by token."
        ),
        "account_id": contact["account_id"] or None,
    }


def file_request(user, data) -> dict:
    """File one request from the POSTed form ``data`` for the key's ``user``."""
    code = _text(data, "service_code", 100)
    if not code:
        raise Open311Error(400, _("service_code is required."))
    offered = services.find(code)
    if offered is None:
        raise services.unknown(code, 404)
    description = _text(data, "description", DESCRIPTION_MAX)
    media_url = _media_url(data)
    contact = {name: _text(data, name, CONTACT_MAX) for name in CONTACT_FIELDS}
    answers = attribute_answers.read(data, offered.attributes)
    where = locate(data)
    try:
        if offered.category is not None:
            details = attribute_answers.readable(answers, offered.attributes)
            return _need(user, offered, where, description or offered.name, contact,
                         media_url, details)  # fmt: skip
        photo = _("Photo: %(url)s") % {"url": media_url} if media_url else ""
        text = "\n\n".join(p for p in (description, photo) if p)
        return _application(user, offered, where, text, answers, contact)
    except PermissionDenied:
        raise Open311Error(
            403, _("This key may not file requests in %(place)s.") % {"place": where.compound.name}
        ) from None
    except ValidationError as error:
        raise Open311Error(400, _messages(error)) from None
