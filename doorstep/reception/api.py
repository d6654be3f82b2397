"""Reception days in JSON: the days (planning, cancelling, one day with its matters and booking
counts), the matters (registering, the list page's ``MatterFilterSet``, assigning, the
department's report, the petition's written decision and extension), the leader's brief, and
the public board of a place.

Every write is one call of one action in ``reception.actions`` after pydantic has read the
request strictly; ``present`` shapes the JSON. A day or matter the user may not see is 404, like
a missing one; one they may see but not act on is 403. No bookers' names or phones are ever
read, and the public board reads only what ``public.board_matters`` reads (no description, no
raiser).
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, Strict, WithJsonSchema

from doorstep.catalogue.models import Department
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Date, Day, Id, Input, QueryId, QueryText, text
from doorstep.needs.choices import Kind, Urgency
from doorstep.needs.models import NeedCategory
from doorstep.people.access import access_resident
from doorstep.places.models import Area
from doorstep.staff.roles import VIEW_RECEPTION, can

from . import actions, brief, present, public
from .access import access_day, access_matter, days_for, matters_for
from .choices import PETITION_EXTENSION_MAX, Mode, Route
from .filters import MatterFilterSet
from .models import Matter, ReceptionDay

router = Router(tags=["reception"])

Long = text(2000)
WRITE_ERRORS = errors(401, 403, 404, 409)
DAY_RELATED = ("area", "venue", "leader", "session")
HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _time_text(value):
    if not isinstance(value, str) or not HHMM.fullmatch(value):
        raise ValueError(_("Give a time as HH:MM."))
    return datetime.time.fromisoformat(value)


Time = Annotated[
    datetime.time,
    BeforeValidator(_time_text),
    WithJsonSchema({"type": "string", "pattern": f"^{HHMM.pattern}$", "examples": ["14:00"]}),
]


def _ranged(low: int, high: int):
    return Annotated[int, Strict(), Field(ge=low, le=high)]


# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str
    colour: str | None = None


class Named(Schema):
    code: str
    name: str


class Ref(Schema):
    id: int
    name: str


class DayOut(Schema):
    id: int
    area: Named
    leader: Ref
    leader_title: str
    date: datetime.date
    start: str
    end: str
    venue: Named
    venue_note: str
    mode: Label
    bookable: bool
    announce_on: datetime.date
    status: Label
    brief_sent_at: datetime.datetime | None


class DayPage(Schema):
    results: list[DayOut]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class SlotCount(Schema):
    start: str
    end: str
    capacity: int
    booked: int
    free: int


class Bookings(Schema):
    booked: int
    capacity: int
    slots: list[SlotCount]


class DayRef(Schema):
    id: int
    date: datetime.date


class MatterSummary(Schema):
    id: int
    day: DayRef
    compound: Named
    category: Named
    public_summary: str
    route: Label
    stage: Label
    petition: bool
    received_on: datetime.date
    notice_due: datetime.date | None
    notice_sent_on: datetime.date | None
    conclude_by: datetime.date | None
    department: Ref | None
    due_on: datetime.date | None
    reported_at: datetime.datetime | None
    chases: int
    need: int | None = Field(description="The need it became (accepted matters).")


class MatterPage(Schema):
    results: list[MatterSummary]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class MatterDetail(MatterSummary):
    told: str
    description: str = Field(
        description="What was raised, for a matter not accepted (an accepted one's is its need's)."
    )
    raiser_name: str = Field(description="Who raised a matter not accepted.")
    extended_days: int
    extension_reason: str
    assigned_at: datetime.datetime | None
    report: str
    chased_at: datetime.datetime | None
    created_at: datetime.datetime
    may_run: bool
    may_report: bool


class DayDetail(DayOut):
    matters: list[MatterSummary]
    bookings: Bookings | None = Field(description="Counts only; null when it takes no bookings.")
    may_run: bool
    is_leader: bool


class OverdueNeed(Schema):
    id: int
    category: str
    compound: str
    level: int
    feedback_due_at: datetime.datetime


class DisputeAtRisk(Schema):
    number: str
    type: Label
    risk: Label
    area: str


class Hotspot(Schema):
    compound: str
    category: str
    needs: int


class OpenMatter(Schema):
    id: int
    date: datetime.date
    public_summary: str
    department: str | None


class BriefSatisfaction(Schema):
    rated: int = Field(description="Matters closed in the last 90 days and rated.")
    bad: int = Field(description="Of them, rated bad (差评); those removed by appeal left out.")
    open_rectifications: int
    overdue_rectifications: int


class BriefOut(Schema):
    day: DayOut
    open_needs: int
    satisfaction: BriefSatisfaction
    overdue_count: int
    overdue_needs: list[OverdueNeed]
    disputes_at_risk: list[DisputeAtRisk]
    hotspots: list[Hotspot]
    open_matters: list[OpenMatter]


class PublicSlot(Schema):
    id: int = Field(description="Book it with `POST /desks/appointments/`.")
    start: str
    end: str
    free: int


class PublicDay(Schema):
    id: int
    date: datetime.date
    start: str
    end: str
    leader_title: str
    area: str
    venue: str
    venue_note: str
    mode: Label
    slots: list[PublicSlot]


class BoardMatter(Schema):
    id: int
    date: datetime.date = Field(description="The reception day it was raised at.")
    category: str
    public_summary: str
    department: str | None
    due_on: datetime.date | None
    stage: Label


class Board(Schema):
    area: Named
    days: list[PublicDay]
    matters: list[BoardMatter]
    next: str | None = Field(description="The `after` of the next page of matters.")


class PlanIn(Input):
    area: text(15) = Field(description="The code of a community or a street.")
    leader: Id = Field(description="The receiving leader (who owns the matters accepted).")
    leader_title: text(60) = Field(description="The leader's post, shown to the public.")
    date: Day
    start: Time
    end: Time
    venue: text(15) = Field(description="The code of the compound it is held in.")
    venue_note: text(200) = ""
    mode: Literal[tuple(Mode.values)]  # type: ignore[valid-type]
    announce_days: _ranged(0, actions.ANNOUNCE_MAX_DAYS) = 14
    repeat_months: _ranged(0, actions.REPEAT_MAX_MONTHS) = Field(
        0, description="Also the same weekday of the same week in this many more months."
    )
    capacity: _ranged(1, 20) = Field(2, description="Places per slot (when booked).")
    slot_minutes: _ranged(10, 120) = 30


class MatterIn(Input):
    compound: text(15) = Field(description="The code of the compound it concerns.")
    category: text(40) = Field(description="A need category's code.")
    kind: Literal[tuple(Kind.values)]  # type: ignore[valid-type]
    description: Long
    public_summary: text(120) = Field(
        description="Shown on the public board: no names, numbers or addresses."
    )
    route: Literal[tuple(Route.values)] = Route.ACCEPTED.value  # type: ignore[valid-type]
    told: Long = ""
    petition: Bool = False
    resident: Id | None = Field(None, description="A registry resident's record id.")
    raiser_name: text(40) = ""
    raiser_phone: text(20) = ""
    urgency: Literal[tuple(Urgency.values)] = Urgency.YELLOW.value  # type: ignore[valid-type]
    sensitive: Bool = False


class AssignIn(Input):
    department: Id
    due_on: Day
    note: Long = ""


class ReportIn(Input):
    report: Long


class NoticeIn(Input):
    sent_on: Day


class ExtendIn(Input):
    days: _ranged(1, PETITION_EXTENSION_MAX)
    reason: text(500)


class DayListParams(Schema):
    from_: Date | None = Field(None, alias="from", description="Days on or after this date.")
    to: Date | None = Field(None, description="Days on or before this date.")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class MatterListParams(Schema):
    """Documented here; read by ``MatterFilterSet`` (the list page's filters) from the query."""

    route: Literal[tuple(Route.values)] | None = None  # type: ignore[valid-type]
    department: QueryId | None = None
    late: bool | None = Field(None, description="Only those late at the department.")
    petition: bool | None = Field(None, description="Only petitions.")
    day: int | None = Field(None, ge=1, le=2**31 - 1, description="Only this reception day's.")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class PageParams(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


# ---- reading the request -----------------------------------------------------------------------


def _area(code: str) -> Area | None:
    return Area.objects.filter(code=code.strip()).first()


def _leader(pk: int):
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def _category(code: str) -> NeedCategory:
    found = NeedCategory.objects.filter(code=code.strip(), active=True).first()
    if found is None:
        raise field_error("category", _("Choose a category."), "unknown_category")
    return found


def _filtered(request: HttpRequest):
    visible = matters_for(request.user)
    filters = MatterFilterSet(request.GET, queryset=visible, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters.qs


def _after_write(request: HttpRequest, pk: int) -> dict:
    matter = Matter.objects.select_related(*present.MATTER_RELATED).get(pk=pk)
    return present.matter_detail(matter, request.user, timezone.localdate())


# ---- days --------------------------------------------------------------------------------------


@router.get("/reception/days/", response={200: DayPage, **errors(401)},
            url_name="reception-days")  # fmt: skip
def days(request: HttpRequest, params: Query[DayListParams]):
    """Reception days in the user's areas and those the user receives at, latest first, a page
    at a time (keyset: ``next`` is the ``after`` of the next page)."""
    rows = days_for(request.user).select_related("area", "venue", "leader")
    if params.from_ is not None:
        rows = rows.filter(date__gte=params.from_)
    if params.to is not None:
        rows = rows.filter(date__lte=params.to)
    page, after = keyset_page(rows, field="date", limit=params.limit, after=params.after)
    return {"results": [present.day_json(d) for d in page], "next": after or None}


@router.post("/reception/days/", response={201: list[DayOut], **WRITE_ERRORS},
             url_name="reception-plan")  # fmt: skip
def plan(request: HttpRequest, payload: PlanIn):
    """Plan a reception day, or a fixed monthly day for ``repeat_months`` more months (refused
    whole if the leader already receives at one of those times). A day taking bookings gets a
    session of the area's reception desk. The days made come back."""
    made = actions.do_plan_days(
        request.user,
        actions.Plan(
            area=_area(payload.area),
            leader=_leader(payload.leader),
            leader_title=payload.leader_title,
            date=payload.date,
            start=payload.start,
            end=payload.end,
            venue=_area(payload.venue),
            venue_note=payload.venue_note,
            mode=payload.mode,
            announce_days=payload.announce_days,
            repeat_months=payload.repeat_months,
            capacity=payload.capacity,
            slot_minutes=payload.slot_minutes,
        ),
    )
    rows = ReceptionDay.objects.select_related(*DAY_RELATED).filter(pk__in=[d.pk for d in made])
    return Status(201, [present.day_json(d) for d in rows.order_by("date")])


@router.get("/reception/days/{int:pk}/", response={200: DayDetail, **errors(401, 404)},
            url_name="reception-day")  # fmt: skip
def day(request: HttpRequest, pk: QueryId):
    """A day, its matters and, when it takes bookings, how many places are booked (counts only)."""
    found = access_day(request.user, pk)
    return present.day_detail(found, request.user, timezone.localdate())


@router.post("/reception/days/{int:pk}/cancel/", response={200: DayDetail, **WRITE_ERRORS},
             url_name="reception-cancel")  # fmt: skip
def cancel(request: HttpRequest, pk: QueryId):
    """Call a planned day off; its bookings are cancelled and each booker told."""
    found = access_day(request.user, pk)
    actions.do_cancel_day(found, actor=request.user)
    return present.day_detail(access_day(request.user, pk), request.user, timezone.localdate())


@router.get("/reception/days/{int:pk}/brief/", response={200: BriefOut, **errors(401, 404)},
            url_name="reception-brief")  # fmt: skip
def day_brief(request: HttpRequest, pk: QueryId):
    """The leader's brief of the place: open and overdue needs, disputes at risk, hotspots and
    what earlier reception days left open. For the day's leader and whoever may view reception
    days; counts and categories only."""
    found = access_day(request.user, pk)
    if found.leader_id != request.user.pk and not can(request.user, VIEW_RECEPTION):
        raise Http404
    return present.brief_json(found, brief.build(found))


# ---- matters -----------------------------------------------------------------------------------


@router.post("/reception/days/{int:pk}/matters/", response={201: MatterDetail, **WRITE_ERRORS},
             url_name="reception-register")  # fmt: skip
def register(request: HttpRequest, pk: QueryId, payload: MatterIn):
    """Register what a resident raised. Accepted, it becomes a need the day's leader owns (包案);
    for a court, arbitration or reconsideration it is registered only and the resident told
    where to go. A petition gets the regulation's deadlines."""
    found = access_day(request.user, pk)
    if not actions.may_run(request.user, found.area_code):
        raise PermissionDenied(_("You may not do this for this reception day."))
    resident = None
    if payload.resident is not None:
        resident = access_resident(request.user, payload.resident, related=())
    matter = actions.do_register_matter(
        found,
        actor=request.user,
        raised=actions.Raised(
            compound=_area(payload.compound),
            category=_category(payload.category),
            kind=payload.kind,
            description=payload.description,
            public_summary=payload.public_summary,
            route=payload.route,
            told=payload.told,
            petition=payload.petition,
            resident=resident,
            raiser_name=payload.raiser_name,
            raiser_phone=payload.raiser_phone,
            urgency=payload.urgency,
            sensitive=payload.sensitive,
        ),
    )
    return Status(201, _after_write(request, matter.pk))


@router.get("/reception/matters/", response={200: MatterPage, **errors(401)},
            url_name="reception-matters")  # fmt: skip
def matters(request: HttpRequest, params: Query[MatterListParams]):
    """Matters in the user's areas, assigned to their department, or raised at their days,
    newest first, a page at a time."""
    today = timezone.localdate()
    rows = _filtered(request).select_related(*present.MATTER_RELATED)
    page, after = keyset_page(rows, field="created_at", limit=params.limit, after=params.after)
    return {"results": [present.matter_json(m, today) for m in page], "next": after or None}


@router.get("/reception/matters/{int:pk}/", response={200: MatterDetail, **errors(401, 404)},
            url_name="reception-matter")  # fmt: skip
def matter(request: HttpRequest, pk: QueryId):
    """A matter: its route, deadlines, assignment and report, and what this user may do."""
    found = access_matter(request.user, pk)
    return present.matter_detail(found, request.user, timezone.localdate())


@router.post("/reception/matters/{int:pk}/assign/", response={200: MatterDetail, **WRITE_ERRORS},
             url_name="reception-assign")  # fmt: skip
def assign(request: HttpRequest, pk: QueryId, payload: AssignIn):
    """交办: the department that does the work and its deadline (again: replaces it)."""
    found = access_matter(request.user, pk)
    actions.do_assign(
        found,
        actor=request.user,
        department=Department.objects.filter(pk=payload.department).first(),
        due_on=payload.due_on,
        note=payload.note,
    )
    return _after_write(request, pk)


@router.post("/reception/matters/{int:pk}/report/", response={200: MatterDetail, **WRITE_ERRORS},
             url_name="reception-report")  # fmt: skip
def report(request: HttpRequest, pk: QueryId, payload: ReportIn):
    """The department's report on what it did (its reviewers, or who runs the day's area)."""
    found = access_matter(request.user, pk)
    actions.do_report(found, actor=request.user, report=payload.report)
    return _after_write(request, pk)


@router.post("/reception/matters/{int:pk}/notice/", response={200: MatterDetail, **WRITE_ERRORS},
             url_name="reception-notice")  # fmt: skip
def notice(request: HttpRequest, pk: QueryId, payload: NoticeIn):
    """A petition's written decision on acceptance was sent (within 15 days of receipt)."""
    found = access_matter(request.user, pk)
    actions.do_record_notice(found, actor=request.user, sent_on=payload.sent_on)
    return _after_write(request, pk)


@router.post("/reception/matters/{int:pk}/extend/", response={200: MatterDetail, **WRITE_ERRORS},
             url_name="reception-extend")  # fmt: skip
def extend(request: HttpRequest, pk: QueryId, payload: ExtendIn):
    """Extend an accepted petition's 60 days, once, by at most 30, with a reason."""
    found = access_matter(request.user, pk)
    actions.do_extend(found, actor=request.user, days=payload.days, reason=payload.reason)
    return _after_write(request, pk)


# ---- the public board --------------------------------------------------------------------------


@router.get("/reception/board/{code}/", response={200: Board, **errors(404)}, auth=None,
            url_name="reception-board")  # fmt: skip
def board(request: HttpRequest, code: QueryText, params: Query[PageParams]):
    """The public board of a street, community or compound: its coming reception days, and the
    matters raised at them in the last year with their progress. No names, no details."""
    area, codes = public.board_place(code)
    today, now = timezone.localdate(), timezone.now()
    rows = public.board_matters(codes, public.board_since(today))
    page, after = keyset_page(rows, field="received_on", limit=params.limit, after=params.after)
    return {
        "area": {"code": area.code, "name": area.name},
        "days": [present.public_day(d, now) for d in public.coming_days(area.code, today)],
        "matters": [present.board_matter(m, today) for m in page],
        "next": after or None,
    }
