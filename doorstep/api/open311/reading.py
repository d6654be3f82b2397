"""GET requests, one request, tokens and the updates: what anyone may read, and what a key may
read of its own.

Anyone sees the needs of public-space categories that are not sensitive: the compound's address
and centre (never the building or the point given), labels for the state (never staff's words),
the description only when the resident wrote it for publication through Open311, with long
digit runs (phones, ID numbers) masked. A key also sees the requests it filed itself, and follows
the matters it filed by token and receipt number (their state only)."""

from __future__ import annotations

import datetime
import re

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from doorstep.cases.choices import CLOSED as CASE_CLOSED
from doorstep.cases.choices import CaseStatus
from doorstep.cases.models import RemoteApplication
from doorstep.needs.choices import OPEN, Decision, NeedStatus, OwnerKind
from doorstep.needs.models import Need, NeedEvent

from .filing import SOURCE_REF
from .render import Open311Error
from .services import MATTER, NEED, limit_text

SPAN = datetime.timedelta(days=90)
PAGE_MAX = 1000
IDS_MAX = 100
DIGITS = re.compile(r"\d[\d\s-]{5,}\d")
CLOSED_NEED = frozenset({NeedStatus.ANSWERED, NeedStatus.CLOSED})


def iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def masked(text: str) -> str:
    return DIGITS.sub("***", text)


# ---- what may be read ------------------------------------------------------------------------


def readable_needs(user) -> QuerySet[Need]:
    """The public needs, and the key's own."""
    if user is None:
        return Need.objects.public()
    return Need.objects.public() | Need.objects.filter(created_by=user, source_ref=SOURCE_REF)


def _public_status(need: Need) -> str:
    return "closed" if need.status in CLOSED_NEED else "open"


def _status_notes(need: Need) -> str:
    label = str(NeedStatus(need.status).label)
    if need.decision:
        return f"{label}: {Decision(need.decision).label}"
    return label


def _agency(need: Need) -> str:
    if need.owner_kind == OwnerKind.DEPARTMENT and need.owner_department_id:
        return need.owner_department.name
    if need.owner_kind == OwnerKind.EXTERNAL and need.owner_external_id:
        return need.owner_external.name
    community = need.compound.parent
    return community.name if community is not None else need.compound.name


def need_answer(need: Need) -> dict:
    compound = need.compound
    published = need.source_ref == SOURCE_REF
    return {
        "service_request_id": str(need.pk),
        "status": _public_status(need),
        "status_notes": _status_notes(need),
        "service_name": need.category.name,
        "service_code": f"{NEED}{need.category.code}",
        "description": masked(need.description) if published else need.category.name,
        "agency_responsible": _agency(need),
        "service_notice": limit_text(need.category) if need.status in OPEN else "",
        "requested_datetime": iso(need.created_at),
        "updated_datetime": iso(getattr(need, "updated_at", None) or need.created_at),
        "expected_datetime": iso(need.feedback_due_at) if need.status in OPEN else None,
        "address": compound.address or compound.name,
        "address_id": compound.code,
        "zipcode": None,
        "lat": float(compound.lat) if compound.lat is not None else None,
        "long": float(compound.lng) if compound.lng is not None else None,
        "media_url": (need.media_url or None) if published else None,
    }


def _needs(qs: QuerySet[Need]) -> QuerySet[Need]:
    return qs.select_related(
        "category", "compound__parent", "owner_department", "owner_external"
    ).annotate(updated_at=Max("events__at"))


# ---- the filters -----------------------------------------------------------------------------


def _moment(data, name: str) -> datetime.datetime | None:
    value = (data.get(name) or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value.replace(" ", "+", 1) if " " in value else value)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400, _("%(field)s is not a date and time in ISO 8601.") % {"field": name}
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def span(data) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date and end_date, at most 90 days apart; by default the last 90 days."""
    start, end = _moment(data, "start_date"), _moment(data, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - SPAN
    if end is None:
        end = start + SPAN
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > SPAN:
        raise Open311Error(400, _("start_date and end_date are at most 90 days apart."))
    return start, end


def _int(data, name: str, default: int, top: int) -> int:
    value = (data.get(name) or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= top:
        raise Open311Error(
            400, _("%(field)s is a whole number from 1 to %(top)d.") % {"field": name, "top": top}
        )
    return int(value)


def page(data) -> tuple[int, int]:
    size = _int(data, "page_size", PAGE_MAX, PAGE_MAX)
    number = _int(data, "page", 1, 10**6)
    return (number - 1) * size, size


def _list(data, name: str) -> list[str]:
    values = [v.strip() for v in (data.get(name) or "").split(",") if v.strip()]
    if len(values) > IDS_MAX:
        raise Open311Error(
            400, _("%(field)s lists at most %(n)d values.") % {"field": name, "n": IDS_MAX}
        )
    return values


def _ids(values: list[str]) -> list[int]:
    """The request numbers among ``values`` (anything else cannot be one of ours)."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]


def _statuses(data) -> set[str] | None:
    wanted = _list(data, "status")
    if not wanted:
        return None
    unknown = set(wanted) - {"open", "closed"}
    if unknown:
        raise Open311Error(400, _("status is open, closed or both."))
    return set(wanted)


def _status_q(wanted: set[str]) -> Q:
    statuses = set()
    if "open" in wanted:
        statuses |= set(NeedStatus.values) - CLOSED_NEED
    if "closed" in wanted:
        statuses |= CLOSED_NEED
    return Q(status__in=sorted(statuses))


def list_requests(user, data) -> list[dict]:
    """GET requests: service_request_id (a comma list) overrides every other filter; else
    service_code and status (comma lists) within the span, newest first, page by page."""
    qs = readable_needs(user)
    ids = _list(data, "service_request_id")
    offset, size = page(data)
    if ids:
        qs = qs.filter(pk__in=_ids(ids))
    else:
        start, end = span(data)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = _list(data, "service_code")
        if codes:
            qs = qs.filter(category__code__in=[c[len(NEED) :] for c in codes if c.startswith(NEED)])
        wanted = _statuses(data)
        if wanted:
            qs = qs.filter(_status_q(wanted))
    needs = _needs(qs).order_by("-created_at", "-id")[offset : offset + size]
    return [need_answer(n) for n in needs]


# ---- one request, tokens ---------------------------------------------------------------------


def _application_state(app: RemoteApplication) -> tuple[str, str]:
    """Open or closed, and the finer state: the case's once taken in, else the application's."""
    case = app.case
    if case is not None:
        closed = case.status in CASE_CLOSED
        return ("closed" if closed else "open"), str(CaseStatus(case.status).label)
    closed = app.status != "pending"
    return ("closed" if closed else "open"), str(app.get_status_display())


def _application_agency(app: RemoteApplication) -> str:
    if app.case is not None and app.case.department_id:
        return app.case.department.name
    community = app.compound.parent
    return community.name if community is not None else app.compound.name


def _due(app: RemoteApplication) -> str | None:
    case = app.case
    if case is None or not case.due_on or case.status in CASE_CLOSED:
        return None
    end = datetime.datetime.combine(case.due_on, datetime.time(17, 0))
    return iso(timezone.make_aware(end))


def _application_answer(app: RemoteApplication) -> dict:
    status, notes = _application_state(app)
    compound = app.compound
    return {
        "service_request_id": app.case.receipt if app.case is not None else None,
        "token": app.token,
        "status": status,
        "status_notes": notes,
        "service_name": app.service.name,
        "service_code": f"{MATTER}{app.service.code}",
        "description": "",
        "agency_responsible": _application_agency(app),
        "service_notice": "",
        "requested_datetime": iso(app.filed_at),
        "updated_datetime": iso(app.decided_at or app.filed_at),
        "expected_datetime": _due(app),
        "address": compound.address or compound.name,
        "address_id": compound.code,
        "zipcode": None,
        "lat": float(compound.lat) if compound.lat is not None else None,
        "long": float(compound.lng) if compound.lng is not None else None,
        "media_url": None,
    }


def _applications(user) -> QuerySet[RemoteApplication]:
    return RemoteApplication.objects.filter(filed_by=user).select_related(
        "service", "compound__parent", "case__department"
    )


def one_request(user, request_id: str) -> dict:
    """requests/{id}: a readable need by its number, or a matter the key filed by receipt."""
    if request_id.isascii() and request_id.isdigit():
        need = _needs(readable_needs(user).filter(pk__in=_ids([request_id]))).first()
        if need is not None:
            return need_answer(need)
    elif user is not None:
        app = _applications(user).filter(case__receipt=request_id).first()
        if app is not None:
            answer = _application_answer(app)
            del answer["token"]
            return answer
    raise Open311Error(404, _("No request %(id)s.") % {"id": request_id[:40]})


def token(token_value: str) -> dict:
    """tokens/{token}: the id once a clerk has taken the matter in (none before, or if they
    declined it)."""
    app = (
        RemoteApplication.objects.filter(token=token_value)
        .select_related("case", "service", "compound__parent")
        .first()
    )
    if app is None or not token_value:
        raise Open311Error(404, _("No such token."))
    answer = _application_answer(app)
    return {
        "service_request_id": answer["service_request_id"],
        "token": app.token,
        "status": answer["status"],
        "status_notes": answer["status_notes"],
    }


# ---- the updates (servicerequestupdates, FixMyStreet's extension) ----------------------------


def _update(event: NeedEvent) -> dict:
    label = str(NeedStatus(event.to_status).label)
    decision = (event.data or {}).get("decision")
    if decision in Decision.values:
        label = f"{label}: {Decision(decision).label}"
    return {
        "update_id": f"n{event.pk}",
        "service_request_id": str(event.need_id),
        "status": "closed" if event.to_status in CLOSED_NEED else "open",
        "updated_datetime": iso(event.at),
        "description": label,
        "media_url": None,
    }


def list_updates(user, data) -> list[dict]:
    """Each change of state of the readable needs, oldest first, within the span."""
    events = NeedEvent.objects.filter(need__in=readable_needs(user)).exclude(to_status="")
    ids = _list(data, "service_request_id")
    if ids:
        events = events.filter(need_id__in=_ids(ids))
    start, end = span(data)
    offset, size = page(data)
    events = events.filter(at__gte=start, at__lte=end).order_by("at", "pk")
    return [_update(e) for e in events[offset : offset + size]]
