"""Reception days and matters as the JSON API shows them: plain dicts the API's schemas
check. Staff see a day's booking counts, never its bookers; the public board reads only what
``public.board_matters`` reads."""

from __future__ import annotations

import datetime

from doorstep.disputes.choices import DisputeType, Risk

from . import actions, brief
from .choices import DayStatus, Mode, Route
from .models import Matter, ReceptionDay

MATTER_RELATED = ("day", "category", "department", "compound", "need")


def _label(choices, value) -> dict:
    choice = choices(value)
    return {
        "code": choice.value,
        "label": str(choice.label),
        "colour": getattr(choice, "colour", None),
    }


def _stage(matter: Matter, today: datetime.date) -> dict:
    stage = matter.stage(today)
    return {"code": stage.value, "label": str(stage.label), "colour": stage.colour}


def _hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def day_json(day: ReceptionDay) -> dict:
    return {
        "id": day.pk,
        "area": {"code": day.area.code, "name": day.area.name},
        "leader": _person(day.leader),
        "leader_title": day.leader_title,
        "date": day.date,
        "start": _hhmm(day.start),
        "end": _hhmm(day.end),
        "venue": {"code": day.venue.code, "name": day.venue.name},
        "venue_note": day.venue_note,
        "mode": _label(Mode, day.mode),
        "bookable": day.bookable,
        "announce_on": day.announce_on,
        "status": _label(DayStatus, day.status),
        "brief_sent_at": day.brief_sent_at,
    }


def matter_json(matter: Matter, today: datetime.date) -> dict:
    department = matter.department
    return {
        "id": matter.pk,
        "day": {"id": matter.day_id, "date": matter.day.date},
        "compound": {"code": matter.compound.code, "name": matter.compound.name},
        "category": {"code": matter.category.code, "name": matter.category.name},
        "public_summary": matter.public_summary,
        "route": _label(Route, matter.route),
        "stage": _stage(matter, today),
        "petition": matter.petition,
        "received_on": matter.received_on,
        "notice_due": matter.notice_due,
        "notice_sent_on": matter.notice_sent_on,
        "conclude_by": matter.conclude_by,
        "department": None
        if department is None
        else {"id": department.pk, "name": department.name},
        "due_on": matter.due_on,
        "reported_at": matter.reported_at,
        "chases": matter.chases,
        "need": matter.need_id,
    }


def matter_detail(matter: Matter, user, today: datetime.date) -> dict:
    return {
        **matter_json(matter, today),
        "told": matter.told,
        "description": matter.description,
        "raiser_name": matter.raiser_name,
        "extended_days": matter.extended_days,
        "extension_reason": matter.extension_reason,
        "assigned_at": matter.assigned_at,
        "report": matter.report,
        "chased_at": matter.chased_at,
        "created_at": matter.created_at,
        "may_run": actions.may_run(user, matter.area_code),
        "may_report": actions.may_report(user, matter),
    }


def _bookings(day: ReceptionDay) -> dict | None:
    """Counts per slot from the session's own counters: no booking (and no booker) is read."""
    if not day.session_id:
        return None
    slots = list(day.session.slots.order_by("start"))
    return {
        "booked": sum(s.booked for s in slots),
        "capacity": sum(s.capacity for s in slots),
        "slots": [
            {
                "start": _hhmm(s.start),
                "end": _hhmm(s.end),
                "capacity": s.capacity,
                "booked": s.booked,
                "free": s.free,
            }
            for s in slots
        ],
    }


def day_detail(day: ReceptionDay, user, today: datetime.date) -> dict:
    matters = day.matters.select_related(*MATTER_RELATED).order_by("id")
    return {
        **day_json(day),
        "matters": [matter_json(m, today) for m in matters],
        "bookings": _bookings(day),
        "may_run": actions.may_run(user, day.area_code),
        "is_leader": day.leader_id == user.pk,
    }


def brief_json(day: ReceptionDay, found: brief.Brief) -> dict:
    return {
        "day": day_json(day),
        "open_needs": found.open_needs,
        "satisfaction": vars(found.satisfaction),
        "overdue_count": found.overdue_count,
        "overdue_needs": [
            {
                "id": n.pk,
                "category": n.category.name,
                "compound": n.compound.name,
                "level": n.level,
                "feedback_due_at": n.feedback_due_at,
            }
            for n in found.overdue_needs
        ],
        "disputes_at_risk": [
            {
                "number": d.number,
                "type": _label(DisputeType, d.type),
                "risk": _label(Risk, d.risk),
                "area": d.area.name,
            }
            for d in found.disputes_at_risk
        ],
        "hotspots": [
            {"compound": h["compound__name"], "category": h["category__name"], "needs": h["n"]}
            for h in found.hotspots
        ],
        "open_matters": [
            {
                "id": m.pk,
                "date": m.day.date,
                "public_summary": m.public_summary,
                "department": m.department.name if m.department_id else None,
            }
            for m in found.open_matters
        ],
    }


def public_day(day: ReceptionDay, now: datetime.datetime) -> dict:
    slots = []
    if day.session_id and day.bookable:
        slots = [
            {
                "id": s.pk,
                "start": _hhmm(s.start),
                "end": _hhmm(s.end),
                "free": s.free if s.starts_at() > now else 0,
            }
            for s in day.session.slots.all()
        ]
    return {
        "id": day.pk,
        "date": day.date,
        "start": _hhmm(day.start),
        "end": _hhmm(day.end),
        "leader_title": day.leader_title,
        "area": day.area.name,
        "venue": day.venue.name,
        "venue_note": day.venue_note,
        "mode": _label(Mode, day.mode),
        "slots": slots,
    }


def board_matter(matter: Matter, today: datetime.date) -> dict:
    return {
        "id": matter.pk,
        "date": matter.day.date,
        "category": matter.category.name,
        "public_summary": matter.public_summary,
        "department": matter.department.name if matter.department_id else None,
        "due_on": matter.due_on,
        "stage": _stage(matter, today),
    }
