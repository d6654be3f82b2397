"""Matters filed by another system (Open311 "batch" services: a city platform, a civic app) and
what the community does with them.

``do_file_application`` puts one in the waiting room (``RemoteApplication``, pending); a clerk
of the community then takes it in at the desk (``do_intake(application=…)``, which links the case
in the intake's own transaction: ``check_for_intake`` and ``claim_for_case`` below) or declines
it with a reason (``do_decline_application``, which tells the applicant by SMS). Every change of
status is one status-guarded UPDATE, so two clerks acting at once cannot both win.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.catalogue.choices import Place
from doorstep.catalogue.models import Material, Service, ServiceVersion
from doorstep.core import phone as phones
from doorstep.places.choices import CODE_LENGTH, AreaKind
from doorstep.places.models import Area
from doorstep.staff.roles import FILE_REQUESTS, HANDLE_CASES
from doorstep.staff.scoping import covers

from ..choices import ApplicationStatus
from ..errors import ApplicationChanged
from ..errors import field_error as _error
from ..models import CONTACT_FIELDS, DESCRIPTION_MAX, Case, RemoteApplication

# A matter another system may file is one the resident need not bring in person first: done
# online, or done for them by the community (代办).
REMOTE_PLACES = frozenset({Place.ONLINE, Place.PROXY})

ANSWERS_MAX = 100  # questions answered
CODE_MAX = 100  # characters of a question's code
VALUE_MAX = 2000  # characters of one answer
VALUES_MAX = 50  # answers to one multiple-choice question
NAME_MAX = 40  # characters of a first or a last name
ID_MAX = 100  # characters of the other system's account or device id
REASON_MAX = 500  # characters of a decline's reason (it goes out by SMS)
REVEAL_REASON_MAX = 100  # as ``people.actions.do_reveal``

PENDING = ApplicationStatus.PENDING


def remote_version(service: Service | None) -> ServiceVersion | None:
    """The published version of ``service`` through which another system may file it (active,
    published, done online or by proxy), or None."""
    if service is None or not service.is_active:
        return None
    version = service.published_version()
    if version is None or not REMOTE_PLACES.intersection(version.places or ()):
        return None
    return version


# ---- filing ----------------------------------------------------------------------------------


def _text(value, field: str, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _error(field, _("Send text here."), "invalid")
    text = str(value).strip()
    if len(text) > limit:
        raise _error(field, _("Keep this to %(n)d characters or fewer.") % {"n": limit}, "too_long")
    return text


def _checked_answers(attributes: dict) -> dict[str, str | list[str]]:
    """``attributes`` as stored: {code: text or [texts]}, each code and text checked for size."""
    if not isinstance(attributes, dict):
        raise _error("attributes", _("Send the answers as code and value pairs."), "invalid")
    if len(attributes) > ANSWERS_MAX:
        raise _error(
            "attributes",
            _("Send at most %(n)d answers.") % {"n": ANSWERS_MAX},
            "invalid",
        )
    answers: dict[str, str | list[str]] = {}
    for code, value in attributes.items():
        code = _text(code, "attributes", CODE_MAX)
        if not code:
            raise _error("attributes", _("Every answer needs its question's code."), "invalid")
        if isinstance(value, list | tuple):
            if len(value) > VALUES_MAX:
                raise _error(
                    "attributes",
                    _("Send at most %(n)d values for one question.") % {"n": VALUES_MAX},
                    "invalid",
                )
            answers[code] = [_text(v, "attributes", VALUE_MAX) for v in value]
        else:
            answers[code] = _text(value, "attributes", VALUE_MAX)
    return answers


def _question_labels(answers: dict, labels: dict | None) -> dict[str, str]:
    """How each answered question was worded: the caller's labels, and for a material's code
    (``material-<pk>``, Open311's per-material attribute) the material's name."""
    kept = {code: str(labels[code])[:200] for code in answers if labels and labels.get(code)}
    wanted = {
        code: int(code.removeprefix("material-"))
        for code in answers
        if code not in kept
        and code.startswith("material-")
        and code.removeprefix("material-").isdigit()
    }
    if wanted:
        names = dict(Material.objects.filter(pk__in=set(wanted.values())).values_list("pk", "name"))
        kept.update({code: names[pk] for code, pk in wanted.items() if pk in names})
    return kept


def _checked_contact(contact: dict) -> dict[str, str]:
    unknown = set(contact) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    kept = {
        "first_name": _text(contact.get("first_name"), "first_name", NAME_MAX),
        "last_name": _text(contact.get("last_name"), "last_name", NAME_MAX),
        "phone": _text(contact.get("phone"), "phone", 30),
        "email": _text(contact.get("email"), "email", 254),
        "account_id": _text(contact.get("account_id"), "account_id", ID_MAX),
        "device_id": _text(contact.get("device_id"), "device_id", ID_MAX),
    }
    if kept["phone"]:
        try:
            kept["phone"] = phones.check_contact(kept["phone"])
        except ValidationError as exc:
            raise _error("phone", exc.messages[0], "phone") from None
    if kept["email"]:
        try:
            validate_email(kept["email"])
        except ValidationError:
            raise _error("email", _("This is not an email address."), "email") from None
    return kept


def do_file_application(
    *,
    actor,
    service: Service,
    compound: Area,
    description: str = "",
    attributes: dict | None = None,
    contact: dict | None = None,
    labels: dict[str, str] | None = None,
) -> RemoteApplication:
    """File ``service`` for an applicant of ``compound`` on behalf of another system, whose
    account (an API key's user) is ``actor``: it waits, pending, for a clerk of the community.

    ``attributes`` are the other system's answers ({code: value or [values]}); ``labels``
    optionally words each question as it was asked (a material's code ``material-<pk>`` is
    named after the material without it). ``contact`` holds any of ``CONTACT_FIELDS``; it is
    stored encrypted. ``actor`` needs the gateway role (FILE_REQUESTS) or HANDLE_CASES over the
    compound (else PermissionDenied);
    bad input raises a ValidationError keyed by its field, and writes nothing.
    """
    if compound is None or compound.kind != AreaKind.COMPOUND:
        raise _error("compound", _("Say which compound the matter is for."), "invalid")
    code = compound.code
    if not (covers(actor, FILE_REQUESTS, code) or covers(actor, HANDLE_CASES, code)):
        raise PermissionDenied(_("Your account may not file matters for this compound."))
    if remote_version(service) is None:
        raise _error(
            "service",
            _("This matter cannot be applied for from another system."),
            "service_unavailable",
        )
    description = _text(description, "description", DESCRIPTION_MAX)
    answers = _checked_answers(attributes or {})
    application = RemoteApplication(
        service=service,
        compound=compound,
        area_code=compound.code,
        description=description,
        attributes=answers,
        attribute_labels=_question_labels(answers, labels),
        filed_by=actor,
        filed_at=timezone.now(),
    )
    application.set_contact(_checked_contact(contact or {}))
    application.save(force_insert=True)
    return application


# ---- declining -------------------------------------------------------------------------------


def _decide(application: RemoteApplication, *, actor, now: datetime.datetime, **fields) -> None:
    """Move a pending application on, unless someone else did first (``ApplicationChanged``)."""
    updated = RemoteApplication.objects.filter(pk=application.pk, status=PENDING).update(
        decided_by=actor, decided_at=now, **fields
    )
    if not updated:
        raise ApplicationChanged()
    application.decided_by, application.decided_at = actor, now
    for name, value in fields.items():
        setattr(application, name, value)


def community_name(area_code: str) -> str:
    """The community over ``area_code``, which signs what the applicant is told."""
    code = area_code[: CODE_LENGTH[AreaKind.COMMUNITY]]
    return Area.objects.filter(code=code).values_list("name", flat=True).first() or ""


@transaction.atomic
def do_decline_application(
    application: RemoteApplication, *, actor, reason: str
) -> RemoteApplication:
    """Decline a pending application with a reason the applicant reads: by SMS when the other
    system gave a mobile number (else by email when it gave an address), signed by the
    community. Only a clerk or community lead over its compound may."""
    if not covers(actor, HANDLE_CASES, application.area_code):
        raise PermissionDenied(_("This application is for a compound outside your areas."))
    if application.status != PENDING:
        raise ApplicationChanged()
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error("reason", _("Give a reason: the applicant will read it."), "reason_required")
    if len(reason) > REASON_MAX:
        raise _error(
            "reason", _("Keep this to %(n)d characters or fewer.") % {"n": REASON_MAX}, "too_long"
        )
    now = timezone.now()
    _decide(application, actor=actor, now=now, status=ApplicationStatus.DECLINED,
            decline_reason=reason)  # fmt: skip
    _tell_declined(application, reason)
    return application


def _tell_declined(application: RemoteApplication, reason: str) -> None:
    from doorstep.notify.outbox import queue_message

    number = application.phone
    mobile = number if len(number) == 11 and number.isdigit() else ""  # no SMS to a landline
    email = application.contact["email"]
    if not (mobile or email):
        return
    queue_message(
        key=f"application:{application.pk}:declined",
        template="application_declined",
        context={
            "service": application.service.name,
            "date": timezone.localdate(application.filed_at).isoformat(),
            "reason": reason,
            "sender": community_name(application.area_code),
        },
        phone=mobile,
        email=email,
    )


# ---- the full number -------------------------------------------------------------------------


def do_reveal_application_phone(application: RemoteApplication, *, actor, reason: str) -> str:
    """The applicant's full phone number, to call them: as ``people.actions.do_reveal``, it
    needs the reveal permission, the compound inside the actor's areas and a reason, and it
    writes an access-log row (who, which application, why, when)."""
    from doorstep.people.actions import log_access
    from doorstep.people.choices import AccessAction

    if not actor.has_perm("people.reveal_id_number"):
        raise PermissionDenied(_("You may not see full ID and phone numbers."))
    if not covers(actor, HANDLE_CASES, application.area_code):
        raise PermissionDenied(_("This application is for a compound outside your areas."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error("reason", _("Say why you need the full number; the reason is recorded."))
    if len(reason) > REVEAL_REASON_MAX:
        raise _error(
            "reason", _("Keep the reason under %(n)d characters.") % {"n": REVEAL_REASON_MAX}
        )
    detail = _("Application from another system #%(pk)s: %(reason)s") % {
        "pk": application.pk,
        "reason": reason,
    }
    log_access(actor, None, AccessAction.REVEAL_PHONE, detail)
    return application.phone


# ---- taken in at intake (called by ``do_intake``) --------------------------------------------


def check_for_intake(application: RemoteApplication, *, actor, service: Service) -> None:
    """Before intake plans anything: the application is still pending (as read), for this
    service, and for a compound where ``actor`` takes in cases."""
    if not covers(actor, HANDLE_CASES, application.area_code):
        raise PermissionDenied(_("This application is for a compound outside your areas."))
    if application.status != PENDING:
        raise ApplicationChanged()
    if service is None or application.service_id != service.pk:
        raise _error(
            "application",
            _("This application is for another matter: “%(service)s”.")
            % {"service": application.service.name},
            "application_service",
        )


def claim_for_case(
    application: RemoteApplication, *, case: Case, actor, now: datetime.datetime
) -> None:
    """Inside intake's transaction, once the case is inserted: the application becomes taken
    in, with its case; if someone took it in or declined it meanwhile, ``ApplicationChanged``
    rolls the whole intake back."""
    _decide(application, actor=actor, now=now, status=ApplicationStatus.TAKEN_IN, case=case)
