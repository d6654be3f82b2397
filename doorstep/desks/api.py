"""JSON endpoints for residents' apps: the sessions of a compound, booking and cancelling.

Errors are ``{"error": {"code", "message", "fields"}}`` with 400 (bad input), 404 (no such slot,
compound or booking) or 409 (the slot is full, the booking can no longer be cancelled).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from doorstep.catalogue.models import Service
from doorstep.core.jsonapi import error, from_validation, json_body, ok
from doorstep.places.choices import AreaKind
from doorstep.places.models import Area

from . import actions
from .models import Appointment, Slot
from .views import upcoming_sessions

# The slot is full, the booking is a duplicate or can no longer be cancelled: 409.
STATUSES = dict.fromkeys({"full", "duplicate", "not_cancellable", "cancelled", "past"}, 409)


def _appointment_json(appointment: Appointment) -> dict:
    slot, session = appointment.slot, appointment.slot.session
    return {
        "code": appointment.code,
        "status": appointment.status,
        "service": appointment.service.code,
        "desk": session.desk.name,
        "compound": session.compound.code,
        "date": session.date.isoformat(),
        "start": slot.start.strftime("%H:%M"),
        "end": slot.end.strftime("%H:%M"),
    }


@require_GET
def compound_sessions(request: HttpRequest, code: str) -> JsonResponse:
    compound = Area.objects.filter(code=code, kind=AreaKind.COMPOUND).first()
    if compound is None:
        return error(404, "not_found", _("No such compound."))
    sessions = [
        {
            "id": s.pk,
            "desk": s.desk.name,
            "date": s.date.isoformat(),
            "start": s.start.strftime("%H:%M"),
            "end": s.end.strftime("%H:%M"),
            "services": [{"code": v.code, "name": v.name} for v in s.offered],
            "slots": [
                {
                    "id": slot.pk,
                    "start": slot.start.strftime("%H:%M"),
                    "end": slot.end.strftime("%H:%M"),
                    "free": slot.free if slot.bookable else 0,
                }
                for slot in s.slots.all()
            ],
        }
        for s in upcoming_sessions(compound)
    ]
    return ok({"compound": {"code": compound.code, "name": compound.name}, "sessions": sessions})


@csrf_exempt  # public and cookie-less: no session for a forged request to ride on
@require_POST
def book(request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    if data is None:
        return error(400, "bad_json", _("The request body is not a JSON object."))
    try:
        slot_id = int(data.get("slot"))
    except (TypeError, ValueError):
        return error(400, "invalid", _("Give the slot's id."), {"slot": [_("Required.")]})
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        return error(404, "not_found", _("No such slot."), {"slot": [_("No such slot.")]})
    service = Service.objects.filter(code=str(data.get("service", ""))[:40]).first()
    try:
        appointment = actions.do_book(
            slot,
            service=service,
            name=str(data.get("name", "")),
            phone=str(data.get("phone", "")),
            id_last4=str(data.get("id_last4", "")),
        )
    except ValidationError as exc:
        return from_validation(exc, STATUSES)
    return ok(_appointment_json(appointment), status=201)


@csrf_exempt
@require_POST
def cancel(request: HttpRequest, code: str) -> JsonResponse:
    data = json_body(request)
    if data is None:
        return error(400, "bad_json", _("The request body is not a JSON object."))
    try:
        appointment = actions.do_cancel(code, phone_last4=str(data.get("phone_last4", "")))
    except ValidationError as exc:
        return from_validation(exc, STATUSES)
    return ok(_appointment_json(appointment))
