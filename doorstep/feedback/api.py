"""Satisfaction in JSON: the resident's rating by the link's key (no login), and for staff the
rated matters (the list page's ``SubjectFilterSet``), a matter's ratings, callbacks,
rectification and appeals, recording callbacks, settling rectifications, appealing and deciding.

Every write is one call of one action in ``feedback.actions`` after pydantic has read the
request strictly. A record the user may not see is 404, like a missing one; one they may see but
not act on is 403. Nothing here names the rater, except a rectification's contact, shown (masked)
only to those who rectify in its area.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.errors import field_error
from doorstep.core.phone import mask
from doorstep.core.rest.errors import errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Bool, Day, Input, QueryId, QueryText, text

from . import actions
from .access import (
    access_appeal,
    access_rectification,
    access_subject,
    rectifications_for,
    subjects_for,
)
from .choices import (
    AppealGround,
    AppealStatus,
    Invalid,
    Level,
    Outcome,
    RectificationStatus,
    Solved,
    SubjectKind,
)
from .filters import RectificationFilterSet, SubjectFilterSet
from .models import Appeal, Callback, Rating, Rectification, Subject

router = Router(tags=["feedback"])

WRITE_ERRORS = errors(401, 403, 404, 409)
LevelValue = Literal[5, 4, 3, 2, 1]
Long = text(2000)


# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str


class RatingOut(Schema):
    id: int
    level: Label
    bad: bool
    marks: dict[str, int] = Field(description="The channel's questions answered, 1 to 5.")
    comment: str
    source: Label
    at: datetime.datetime
    current: bool
    excluded: bool = Field(description="Removed from every figure by an upheld appeal.")


class CallbackOut(Schema):
    id: int
    at: datetime.datetime
    valid: bool
    invalid: Label | None
    reached: bool
    solved: Label | None
    satisfaction: Label | None
    note: str


class RectificationOut(Schema):
    id: int
    subject: int
    rating: int
    status: Label
    owner: str | None
    opened_at: datetime.datetime
    due_on: datetime.date
    overdue: bool
    outcome: Label | None
    put_right_by: datetime.date | None
    account: str
    callback: CallbackOut | None
    done_at: datetime.datetime | None


class RectificationDetail(RectificationOut):
    contact: str | None = Field(
        description="Whom to call back, masked: only for those who rectify here."
    )


class AppealOut(Schema):
    id: int
    rating: int
    ground: Label
    grounds: str
    status: Label
    filed_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision: str


class SubjectOut(Schema):
    id: int
    kind: Label
    reference: str
    area_code: str
    service: str | None
    department: str | None
    channel: Label
    closed_at: datetime.datetime
    rating: RatingOut | None = Field(description="The current rating, if any.")


class SubjectPage(Schema):
    results: list[SubjectOut]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class SubjectDetail(SubjectOut):
    ratings: list[RatingOut]
    callbacks: list[CallbackOut]
    rectifications: list[RectificationOut]
    appeals: list[AppealOut]
    may_call_back: bool
    may_appeal: bool


class RectificationPage(Schema):
    results: list[RectificationOut]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class Question(Schema):
    code: str
    label: str


class RatingForm(Schema):
    kind: Label
    reference: str
    service: str | None
    closed_at: datetime.datetime
    state: Literal["open", "rated", "closed"]
    questions: list[Question] = Field(description="Asked beside the overall level (optional).")
    levels: list[Label]


class RateIn(Input):
    level: LevelValue
    marks: dict[Literal[tuple(actions.ALL_QUESTIONS)], LevelValue] = Field(  # type: ignore[valid-type]
        default_factory=dict, max_length=4, description="Answers to the form's `questions`."
    )
    comment: text(500) = ""
    via: Literal["tracking", "receipt", "message"] = "message"


class CallbackIn(Input):
    invalid: Literal[tuple(Invalid.values)] | None = Field(  # type: ignore[valid-type]
        None, description="Why it does not count, if it does not."
    )
    reached: Bool = False
    solved: Literal[tuple(Solved.values)] | None = None  # type: ignore[valid-type]
    satisfaction: LevelValue | None = None
    note: text(1000) = ""


class SettleIn(Input):
    outcome: Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
    account: Long
    put_right_by: Day | None = None
    reached: Bool
    solved: Literal[tuple(Solved.values)] | None = None  # type: ignore[valid-type]
    satisfaction: LevelValue | None = None
    note: text(1000) = ""
    new_level: LevelValue | None = Field(None, description="The resident's new rating, if given.")


class AppealIn(Input):
    ground: Literal[tuple(AppealGround.values)]  # type: ignore[valid-type]
    grounds: Long


class DecideIn(Input):
    upheld: Bool
    decision: Long


class SubjectParams(Schema):
    """Documented here; read by ``SubjectFilterSet`` (the list page's filters) from the query."""

    kind: Literal[tuple(SubjectKind.values)] | None = None  # type: ignore[valid-type]
    rating: Literal["bad", "rated", "unrated"] | None = None
    callback: Literal["due", "done"] | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    area: QueryText | None = Field(None, description="An area code and everything under it.")
    called_after: datetime.date | None = Field(
        None, description="With a valid callback on or after this day (local)."
    )
    called_before: datetime.date | None = Field(
        None, description="With a valid callback on or before this day (local)."
    )
    bad_after: datetime.date | None = Field(
        None, description="With a bad rating (not removed by appeal) on or after this day."
    )
    bad_before: datetime.date | None = Field(
        None, description="With a bad rating (not removed by appeal) on or before this day."
    )
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class RectificationParams(Schema):
    status: Literal[tuple(RectificationStatus.values)] | None = None  # type: ignore[valid-type]
    late: bool | None = None
    mine: bool | None = None
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


# ---- shaping -----------------------------------------------------------------------------------


def _label(choices, value) -> dict | None:
    if value in (None, ""):
        return None
    return {"code": str(value), "label": str(choices(value).label)}


def _rating(r: Rating) -> dict:
    marks = {n: getattr(r, n) for n in actions.ALL_QUESTIONS if getattr(r, n)}
    return {
        "id": r.pk, "level": _label(Level, r.level), "bad": r.bad, "marks": marks,
        "comment": r.comment, "source": {"code": r.source, "label": r.get_source_display()},
        "at": r.at, "current": r.current, "excluded": r.excluded,
    }  # fmt: skip


def _callback(c: Callback | None) -> dict | None:
    if c is None:
        return None
    return {
        "id": c.pk, "at": c.at, "valid": c.valid, "invalid": _label(Invalid, c.invalid),
        "reached": c.reached, "solved": _label(Solved, c.solved),
        "satisfaction": _label(Level, c.satisfaction), "note": c.note,
    }  # fmt: skip


def _rect(r: Rectification, today: datetime.date) -> dict:
    owner = r.owner.get_full_name() or r.owner.username if r.owner_id else None
    return {
        "id": r.pk, "subject": r.rating.subject_id, "rating": r.rating_id,
        "status": _label(RectificationStatus, r.status), "owner": owner,
        "opened_at": r.opened_at, "due_on": r.due_on,
        "overdue": r.status == RectificationStatus.OPEN and r.due_on < today,
        "outcome": _label(Outcome, r.outcome), "put_right_by": r.put_right_by,
        "account": r.account, "callback": _callback(r.callback), "done_at": r.done_at,
    }  # fmt: skip


def _subject(s: Subject, current: Rating | None) -> dict:
    return {
        "id": s.pk, "kind": _label(SubjectKind, s.kind), "reference": s.reference,
        "area_code": s.area_code, "service": s.service.name if s.service_id else None,
        "department": s.department.name if s.department_id else None,
        "channel": {"code": s.channel, "label": s.get_channel_display()},
        "closed_at": s.closed_at, "rating": _rating(current) if current else None,
    }  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict:
    s = access_subject(request.user, pk)
    ratings = list(s.ratings.order_by("-at", "-pk"))
    current = next((r for r in ratings if r.current), None)
    today = timezone.localdate()
    rects = Rectification.objects.filter(rating__subject=s).select_related(
        "rating", "owner", "callback"
    )
    appeals = Appeal.objects.filter(rating__subject=s).order_by("-filed_at", "-pk")
    return {
        **_subject(s, current),
        "ratings": [_rating(r) for r in ratings],
        "callbacks": [_callback(c) for c in s.callbacks.order_by("-at", "-pk")],
        "rectifications": [_rect(r, today) for r in rects],
        "appeals": [_appeal(a) for a in appeals],
        "may_call_back": actions.may_call_back(request.user, s),
        "may_appeal": bool(
            current and current.bad and not current.excluded
            and not appeals.exists() and actions.may_appeal(request.user, current)
        ),
    }  # fmt: skip


def _appeal(a) -> dict:
    return {
        "id": a.pk, "rating": a.rating_id, "ground": _label(AppealGround, a.ground),
        "grounds": a.grounds, "status": _label(AppealStatus, a.status), "filed_at": a.filed_at,
        "decided_at": a.decided_at, "decision": a.decision,
    }  # fmt: skip


def _filtered(filterset, request: HttpRequest, rows):
    filters = filterset(request.GET, queryset=rows, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters.qs


# ---- the resident ------------------------------------------------------------------------------


def _by_key(key: str) -> Subject:
    found = (
        Subject.objects.select_related("service").filter(key=key[:32]).first()
        if key.isascii()
        else None
    )
    if found is None:
        raise Http404
    return found


@router.get("/feedback/rate/{key}/", response={200: RatingForm, **errors(404)}, auth=None,
            url_name="feedback-rate-form")  # fmt: skip
def rate_form(request: HttpRequest, key: str):
    """What the rating link's page asks: the matter (no personal data), whether it may still be
    rated, and the channel's questions."""
    s = _by_key(key)
    state = "open"
    if s.ratings.filter(current=True).exists():
        state = "rated"
    elif not actions.rating_open(s):
        state = "closed"
    questions = [{"code": c, "label": str(lbl)} for c, lbl in actions.questions(s.channel)]
    return {
        "kind": _label(SubjectKind, s.kind), "reference": s.reference,
        "service": s.service.name if s.service_id else None, "closed_at": s.closed_at,
        "state": state, "questions": questions,
        "levels": [{"code": str(v), "label": str(lbl)} for v, lbl in Level.choices],
    }  # fmt: skip


@router.post("/feedback/rate/{key}/", response={201: RatingOut, **errors(404, 409)}, auth=None,
             url_name="feedback-rate")  # fmt: skip
def rate(request: HttpRequest, key: str, payload: RateIn):
    """Rate the matter behind the link, once, while rating is open (409 after)."""
    s = _by_key(key)
    rating = actions.do_rate(
        s,
        actions.Given(level=payload.level, indicators=dict(payload.marks), comment=payload.comment),
        source=payload.via,
    )
    return Status(201, _rating(rating))


# ---- staff -------------------------------------------------------------------------------------


@router.get("/feedback/subjects/", response={200: SubjectPage, **errors(401)},
            url_name="feedback-subjects")  # fmt: skip
def subjects(request: HttpRequest, params: Query[SubjectParams]):
    """Rated matters in the user's areas (and a reviewer's department's), newest closed first, a
    page at a time. No rater is named."""
    rows = _filtered(
        SubjectFilterSet,
        request,
        subjects_for(request.user).select_related("service", "department"),
    )
    page, after = keyset_page(rows, field="closed_at", limit=params.limit, after=params.after)
    current = {
        r.subject_id: r
        for r in Rating.objects.filter(subject__in=[s.pk for s in page], current=True)
    }
    return {"results": [_subject(s, current.get(s.pk)) for s in page], "next": after or None}


@router.get("/feedback/subjects/{int:pk}/", response={200: SubjectDetail, **errors(401, 404)},
            url_name="feedback-subject")  # fmt: skip
def subject(request: HttpRequest, pk: QueryId):
    """A rated matter: its ratings (no rater), callbacks, rectifications and appeals."""
    return _detail(request, pk)


@router.post("/feedback/subjects/{int:pk}/callbacks/",
             response={201: SubjectDetail, **WRITE_ERRORS},
             url_name="feedback-callbacks")  # fmt: skip
def callback(request: HttpRequest, pk: QueryId, payload: CallbackIn):
    """Record a callback (回访): reached or not, solved, how satisfied; or why it does not count."""
    s = access_subject(request.user, pk)
    actions.do_record_callback(
        s,
        actions.Called(
            invalid=payload.invalid or "",
            reached=payload.reached,
            solved=payload.solved or "",
            satisfaction=payload.satisfaction,
            note=payload.note,
        ),
        actor=request.user,
    )
    return Status(201, _detail(request, pk))


@router.post("/feedback/subjects/{int:pk}/appeal/", response={201: AppealOut, **WRITE_ERRORS},
             url_name="feedback-appeal")  # fmt: skip
def appeal(request: HttpRequest, pk: QueryId, payload: AppealIn):
    """The rated unit contests the current bad rating (申诉); a lead above decides."""
    s = access_subject(request.user, pk)
    current = s.ratings.filter(current=True).first()
    if current is None:
        raise field_error("rating", _("Only a current bad rating may be appealed."), "invalid")
    made = actions.do_appeal(
        current, actor=request.user, ground=payload.ground, grounds=payload.grounds
    )
    return Status(201, _appeal(made))


@router.post("/feedback/appeals/{int:pk}/decide/", response={200: AppealOut, **WRITE_ERRORS},
             url_name="feedback-decide")  # fmt: skip
def decide(request: HttpRequest, pk: QueryId, payload: DecideIn):
    """Uphold (the rating leaves every figure, and leads see it was removed) or reject."""
    found = access_appeal(request.user, pk)
    if not actions.may_decide(request.user, found):
        raise PermissionDenied(_("You may not decide this appeal."))
    return _appeal(
        actions.do_decide_appeal(
            found, actor=request.user, upheld=payload.upheld, decision=payload.decision
        )
    )


@router.get("/feedback/rectifications/", response={200: RectificationPage, **errors(401)},
            url_name="feedback-rectifications")  # fmt: skip
def rectifications(request: HttpRequest, params: Query[RectificationParams]):
    """Rectifications of bad ratings in the user's areas, newest first."""
    rows = _filtered(
        RectificationFilterSet,
        request,
        rectifications_for(request.user).select_related("rating", "owner", "callback"),
    )
    page, after = keyset_page(rows, field="opened_at", limit=params.limit, after=params.after)
    today = timezone.localdate()
    return {"results": [_rect(r, today) for r in page], "next": after or None}


def _rect_detail(request: HttpRequest, pk: int) -> dict:
    found = access_rectification(request.user, pk)
    contact = None
    if actions.may_rectify(request.user, found):
        s = found.rating.subject
        if s.resident_id:
            contact = f"{s.resident.name} {s.resident.phone_masked}".strip()
        elif s.phone:
            contact = mask(s.phone)
    return {**_rect(found, timezone.localdate()), "contact": contact}


@router.get("/feedback/rectifications/{int:pk}/",
            response={200: RectificationDetail, **errors(401, 404)},
            url_name="feedback-rectification")  # fmt: skip
def rectification(request: HttpRequest, pk: QueryId):
    """A rectification; whom to call back only for those who rectify here."""
    return _rect_detail(request, pk)


@router.post("/feedback/rectifications/{int:pk}/settle/",
             response={200: RectificationDetail, **WRITE_ERRORS},
             url_name="feedback-settle")  # fmt: skip
def settle(request: HttpRequest, pk: QueryId, payload: SettleIn):
    """What was done and the callback, in one step; the resident reached may rate again."""
    found = access_rectification(request.user, pk)
    actions.do_settle_rectification(
        found, actor=request.user, outcome=payload.outcome, account=payload.account,
        put_right_by=payload.put_right_by,
        called=actions.Called(
            reached=payload.reached, solved=payload.solved or "",
            satisfaction=payload.satisfaction, note=payload.note,
        ),
        new_level=payload.new_level,
    )  # fmt: skip
    return _rect_detail(request, pk)
