"""A dispute as the API and the worklist show it: plain dicts built from loaded rows (the
callers prefetch), shared by ``api`` and the pages' JSON-free helpers."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from . import actions
from .access import may_lead, may_mediate
from .checklist import checklist
from .choices import (
    DisputeStatus,
    DisputeType,
    DocumentKind,
    EventKind,
    Outcome,
    Performance,
    RequestStatus,
    Risk,
    Source,
)
from .models import Dispute, DisputeEvent, DisputeParty, MediatorRequest

SUMMARY_RELATED = ("area", "mediator")
# Event details staff may read: what the page shows (no phone numbers are ever recorded).
EVENT_DATA = (
    "party",
    "signed_by",
    "held_on",
    "outcome",
    "level",
    "recipients",
    "from",
    "to",
    "consents",
    "on",
    "reached",
    "performance",
    "request",
    "name",
    "kind",
)


def label(choices, value: str) -> dict | None:
    if not value:
        return None
    choice = choices(value)
    item = {"code": choice.value, "label": str(choice.label)}
    if hasattr(choice, "colour"):
        item["colour"] = choice.colour
    return item


def person(user) -> str | None:
    return None if user is None else user.get_full_name() or user.get_username()


def summary(d: Dispute, today: datetime.date) -> dict:
    """A dispute as lists show it. Needs ``SUMMARY_RELATED`` and ``parties`` loaded."""
    return {
        "id": d.pk,
        "number": d.number,
        "status": label(DisputeStatus, d.status),
        "type": label(DisputeType, d.type),
        "source": label(Source, d.source),
        "referred_by": d.referred_by,
        "area": {"code": d.area.code, "name": d.area.name},
        "mediator": person(d.mediator),
        "registered_at": d.registered_at,
        "due_on": d.due_on,
        "overdue": d.is_overdue(today),
        "extensions": d.extensions,
        "risk": label(Risk, d.risk),
        "outcome": label(Outcome, d.outcome),
        "confirmation_due": d.confirmation_due,
        "parties": [p.name for p in d.parties.all()],
    }


def _party(p: DisputeParty) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "name": p.name,
        "resident": p.resident_id,
        "phone": p.phone_masked,
        "address": p.address,
        "notice": None
        if p.notice_at is None
        else {
            "at": p.notice_at,
            "signed_by": p.notice_signed_by,
            "recorded_by": person(p.notice_recorded_by),
        },
    }


def _event(e: DisputeEvent) -> dict:
    return {
        "at": e.at,
        "kind": label(EventKind, e.kind),
        "verb": e.verb,
        "from": e.from_status,
        "to": e.to_status,
        "reason": e.reason,
        "by": person(e.actor),
        "data": {k: v for k, v in (e.data or {}).items() if k in EVENT_DATA},
    }


def _request(r: MediatorRequest) -> dict:
    return {
        "id": r.pk,
        "party": r.party.name,
        "reason": r.reason,
        "asked_at": r.asked_at,
        "status": label(RequestStatus, r.status),
        "decided_at": r.decided_at,
        "decided_by": person(r.decided_by),
        "decision_note": r.decision_note,
        "new_mediator": person(r.new_mediator),
    }


def load_detail(d: Dispute) -> Dispute:
    prefetch_related_objects(
        [d],
        Prefetch("parties", DisputeParty.objects.select_related("notice_recorded_by")),
        "sessions",
        "attachments",
        Prefetch("events", DisputeEvent.objects.select_related("actor")),
        Prefetch(
            "mediator_requests",
            MediatorRequest.objects.select_related("party", "decided_by", "new_mediator"),
        ),
    )
    return d


def detail(d: Dispute, user, today: datetime.date) -> dict:
    """Everything the dispute page shows, and what this user may do next."""
    load_detail(d)
    return {
        **summary(d, today),
        "summary": d.summary,
        "building": None if d.building_id is None else d.building.number,
        "parties": [_party(p) for p in d.parties.all()],
        "all_acknowledged": all(p.acknowledged for p in d.parties.all()),
        "sessions": [
            {
                "id": s.pk,
                "held_on": s.held_on,
                "place": s.place,
                "attendees": s.attendees,
                "record": s.record,
            }
            for s in d.sessions.all()
        ],
        "agreement": {
            "responsibility": d.responsibility,
            "terms": d.terms,
            "performance_how": d.performance_how,
            "performance_where": d.performance_where,
            "performance_by": d.performance_by,
            "effective_on": d.effective_on,
            "confirmation_due": d.confirmation_due,
            "next_steps": d.next_steps,
            "referred_to": d.referred_to,
            "pdf_url": reverse("disputes-agreement-pdf", args=[d.pk])
            if d.outcome == Outcome.WRITTEN
            else None,
        },
        "callback": None
        if d.callback_on is None
        else {
            "on": d.callback_on,
            "reached": bool(d.callback_reached),
            "performance": label(Performance, d.callback_performance),
            "notes": d.callback_notes,
        },
        "checklist": [
            {
                "code": item.code,
                "label": str(item.label),
                "state": item.state,
                "state_label": item.state_label,
            }
            for item in checklist(d)
        ],
        "attachments": [
            {
                "id": a.pk,
                "kind": label(DocumentKind, a.kind),
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse("disputes-attachment", args=[d.pk, a.pk]),
            }
            for a in d.attachments.all()
        ],
        "mediator_requests": [_request(r) for r in d.mediator_requests.all()],
        "events": [_event(e) for e in d.events.all()],
        "verbs": actions.available_verbs(user, d),
        "may_mediate": may_mediate(user, d),
        "may_lead": may_lead(user, d.area_code),
    }
