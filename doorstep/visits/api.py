"""Visits in JSON: log a visit (once per client key), the visit list and one visit, photos, the
due list, coverage, the silence alarm (red list) and the visit rules.

Every write is one call of one action in ``visits.actions`` after pydantic has read the request
strictly. A household the user may not log at is 404, like a missing one; the lists hold only
what ``visible_to`` lets through (a grid worker: the households of their grids). Lists are
filtered by the pages' own FilterSets.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from typing import Annotated, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from doorstep.cases.actions.attachments import too_large_message
from doorstep.core.errors import field_error
from doorstep.core.rest.errors import error, errors
from doorstep.core.rest.pagination import LIMIT_DEFAULT, LIMIT_MAX, keyset_page
from doorstep.core.rest.types import Day, Id, IdList, Input, Int, QueryId, QueryText, text
from doorstep.people.models import Tag

from . import actions
from .access import access_household, access_visit
from .actions.photos import declared_too_large
from .choices import FindingKind, Outcome, Purpose
from .filters import DueFilterSet, SilentFilterSet, VisitFilterSet
from .models import Visit, VisitRule
from .present import (
    attach_page_details,
    coverage_rows,
    due_row,
    silent_row,
    visit_detail,
    visit_summary,
)
from .queries import coverage, due_households, silence_days, silent_residents

router = Router(tags=["visits"])

TEXT_MAX = 2000
SUMMARY_RELATED = ("household__building__compound", "worker")


def _datetime_text(value):
    if not isinstance(value, str | datetime.datetime):  # a number is not a time
        raise PydanticCustomError("datetime_type", "Give a time as YYYY-MM-DDTHH:MM.")
    return value


When = Annotated[datetime.datetime, BeforeValidator(_datetime_text)]

# ---- schemas -----------------------------------------------------------------------------------


class Label(Schema):
    code: str
    label: str
    colour: str | None = None


class Ref(Schema):
    id: int
    name: str


class FindingOut(Schema):
    id: int = Field(description="The finding's own id (a need may later be raised from it).")
    kind: Label
    description: str
    count: int


class PhotoOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class VisitSummary(Schema):
    id: int
    household: Ref
    area_code: str
    worker: str
    visited_at: datetime.datetime
    visited_on: datetime.date
    purpose: Label
    outcome: Label
    retry_on: datetime.date | None
    findings: int
    photos: int


class VisitOut(VisitSummary):
    met: list[Ref]
    notes: str
    followups: str
    finding_rows: list[FindingOut]
    photo_rows: list[PhotoOut]
    created_at: datetime.datetime


class VisitPage(Schema):
    results: list[VisitSummary]
    next: str | None = Field(description="The `after` of the next page; null on the last.")


class FindingIn(Input):
    kind: Literal[tuple(FindingKind.values)]  # type: ignore[valid-type]
    description: text(500)
    count: Int = 1


class VisitIn(Input):
    household: Id
    visited_at: When = Field(
        description="When the visit took place (a time without offset is Asia/Shanghai); "
        "not in the future, at most DOORSTEP_VISIT_MAX_AGE_DAYS ago."
    )
    purpose: Literal[tuple(Purpose.values)]  # type: ignore[valid-type]
    outcome: Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
    met: IdList = Field([], description="Residents of the household met (outcome `met`).")
    notes: text(TEXT_MAX) = ""
    followups: text(TEXT_MAX) = ""
    findings: Annotated[list[FindingIn], Field(max_length=20)] = []
    retry_on: Day | None = Field(None, description="With `nobody_home`: when to try again.")
    client_key: uuid.UUID | None = Field(
        None,
        description="A UUID the client makes once per visit: sending the visit again with "
        "the same key answers 200 with the first one, and logs nothing new.",
    )


class VisitListParams(Schema):
    """Documented here; read by ``VisitFilterSet`` (the list page's filters) from the query."""

    outcome: Literal[tuple(Outcome.values)] | None = None  # type: ignore[valid-type]
    purpose: Literal[tuple(Purpose.values)] | None = None  # type: ignore[valid-type]
    finding: Literal[tuple(FindingKind.values)] | None = None  # type: ignore[valid-type]
    household: QueryId | None = None
    grid: QueryId | None = None
    area: QueryText | None = Field(None, max_length=15, description="An area code (prefix).")
    since: datetime.date | None = None
    until: datetime.date | None = None
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    after: QueryText | None = Field(None, description="The `next` of the previous page.")


class PlaceParams(Schema):
    grid: QueryId | None = None
    area: QueryText | None = Field(None, max_length=15, description="An area code (prefix).")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=2**31, description=f"At most {LIMIT_MAX}.")
    page: int = Field(1, ge=1, le=2**31)


class DueParams(PlaceParams):
    within: int | None = Field(
        None, ge=0, le=60, description="Also households due within this many days."
    )


class DueOut(Schema):
    household: Ref
    residents: list[Ref] = Field(description="Residents living here with a ruled tag.")
    interval_days: int
    last_met: datetime.date | None
    due_on: datetime.date | None = Field(description="Null: never met (the most overdue).")
    overdue_days: int | None
    state: Label
    last_outcome: Label | None
    retry_on: datetime.date | None


class DuePage(Schema):
    count: int
    results: list[DueOut]


class SilentOut(Schema):
    resident: Ref
    household: Ref | None
    area_code: str
    tags: list[str]
    last_met: datetime.date | None
    undelivered_since: datetime.datetime | None
    silence_days: int = Field(description="The resident's silence period: the shortest of "
                              "their ruled tags' (or the default).")  # fmt: skip


class SilentPage(Schema):
    count: int
    silence_days: int = Field(description="The default silence period (days).")
    results: list[SilentOut]


class CoverageOut(Schema):
    key: str
    name: str
    households: int
    covered: int
    percent: float | None


class CoverageAll(Schema):
    grids: list[CoverageOut]
    communities: list[CoverageOut]
    total: CoverageOut


class RuleOut(Schema):
    tag: str
    tag_name: str
    interval_days: int
    silence_days: int | None = Field(
        description="Days without contact before the red list (null: the default period)."
    )
    updated_at: datetime.datetime


class RuleIn(Input):
    tag: text(40)
    interval_days: Int
    silence_days: Int | None = Field(
        None,
        description="Days without contact before the red list; null or left out: the "
        "default period.",
    )


# ---- helpers -----------------------------------------------------------------------------------


def _filtered(filterset, request: HttpRequest, rows):
    filters = filterset(request.GET, queryset=rows, request=request)
    if not filters.is_valid():
        field, messages = next(iter(filters.errors.items()))
        raise field_error(field, messages[0])
    return filters


def _page(rows, params: PlaceParams) -> tuple[int, list]:
    limit = min(params.limit, LIMIT_MAX)
    start = (params.page - 1) * limit
    return rows.count(), list(rows[start : start + limit])


def _rule(rule: VisitRule) -> dict:
    return {
        "tag": rule.tag.code,
        "tag_name": rule.tag.name,
        "interval_days": rule.interval_days,
        "silence_days": rule.silence_days,
        "updated_at": rule.updated_at,
    }


def _refuse_declared_too_large(run):
    """Before authentication (whose CSRF check reads the body) and the multipart parsing: a
    photo whose declared size is too large is refused unread."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if declared_too_large(request):
            return error(413, "too_large", too_large_message(), "photos")
        return run(request, *args, **kwargs)

    return wrapped


# ---- visits ------------------------------------------------------------------------------------


@router.post("/", response={200: VisitOut, 201: VisitOut, **errors(401, 403, 404)},
             url_name="visits-log")  # fmt: skip
def log_visit(request: HttpRequest, payload: VisitIn):
    """Log a visit. Sent again with the same `client_key` (an offline phone resending), it
    answers 200 with the visit the first send logged: a visit lands once."""
    household = access_household(request.user, payload.household, for_write=True)
    visited_at = payload.visited_at
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    logged = actions.do_log_visit(
        actor=request.user,
        household=household,
        visited_at=visited_at,
        purpose=payload.purpose,
        outcome=payload.outcome,
        met=payload.met,
        notes=payload.notes,
        followups=payload.followups,
        findings=[actions.FindingIn(f.kind, f.description, f.count) for f in payload.findings],
        retry_on=payload.retry_on,
        client_key=payload.client_key,
    )
    visit = access_visit(request.user, logged.visit.pk)
    return Status(201 if logged.created else 200, visit_detail(visit))


@router.get("/", response={200: VisitPage, **errors(401)}, url_name="visits")
def visits(request: HttpRequest, params: Query[VisitListParams]):
    """Visible visits, newest first, a page at a time (keyset: `next` is the `after` of the next
    page)."""
    rows = Visit.objects.visible_to(request.user).select_related(*SUMMARY_RELATED)
    rows = _filtered(VisitFilterSet, request, rows).qs.with_counts()
    page, after = keyset_page(rows, field="visited_at", limit=params.limit, after=params.after)
    return {"results": [visit_summary(v) for v in page], "next": after or None}


@router.get("/{int:pk}/", response={200: VisitOut, **errors(401, 404)}, url_name="visit")
def visit(request: HttpRequest, pk: QueryId):
    """One visit: whom the worker met, what they found, the photos."""
    return visit_detail(access_visit(request.user, pk))


@router.post("/{int:pk}/photos/", response={201: PhotoOut, **errors(401, 403, 404, 413)},
             url_name="visit-photos")  # fmt: skip
@decorate_view(_refuse_declared_too_large)
def add_photo(request: HttpRequest, pk: QueryId, file: File[UploadedFile] = None):
    """A photo of the visit (multipart: `file`; JPEG or PNG), by the worker who logged it."""
    found = access_visit(request.user, pk)
    if file is not None:
        file.seek(0)  # ninja's file validation leaves it read to the end
    photo = actions.do_add_photo(found, actor=request.user, upload=file)
    return Status(
        201,
        {
            "id": photo.pk,
            "name": photo.original_name,
            "content_type": photo.content_type,
            "size": photo.size,
            "url": reverse("visits-photo", args=[found.pk, photo.pk]),
        },
    )


# ---- lists for the worklist --------------------------------------------------------------------


@router.get("/due/", response={200: DuePage, **errors(401)}, url_name="visits-due")
def due(request: HttpRequest, params: Query[DueParams]):
    """Households due for a visit, most overdue first (never met ones at the top). A grid
    worker gets the households of their grids; a grid worker without a grid, none."""
    today = timezone.localdate()
    rows = due_households(request.user, today=today, within=params.within)
    rows = _filtered(DueFilterSet, request, rows).qs
    count, page = _page(rows, params)
    attach_page_details(page)
    return {"count": count, "results": [due_row(h, today) for h in page]}


@router.get("/coverage/", response={200: CoverageAll, **errors(401)}, url_name="visits-coverage")
def coverage_view(request: HttpRequest):
    """Ruled households met inside their interval ÷ ruled households, per grid and per
    community, in the areas (or grids) the user sees."""
    grids, communities, total = coverage(request.user)
    return coverage_rows(grids, communities, total)


@router.get("/silent/", response={200: SilentPage, **errors(401)}, url_name="visits-silent")
def silent(request: HttpRequest, params: Query[PlaceParams]):
    """The red list: vulnerable residents nobody has met or heard from for longer than the
    silence period, and whose programme message was not delivered."""
    rows = _filtered(SilentFilterSet, request, silent_residents(request.user)).qs
    rows = rows.select_related("household__building__compound").prefetch_related("tags")
    count, page = _page(rows, params)
    return {
        "count": count,
        "silence_days": silence_days(),
        "results": [silent_row(r) for r in page],
    }


# ---- rules -------------------------------------------------------------------------------------


@router.get("/rules/", response={200: list[RuleOut], **errors(401)}, url_name="visits-rules")
def rules(request: HttpRequest):
    """How often residents with each tag are visited."""
    return [_rule(r) for r in VisitRule.objects.select_related("tag")]


@router.post("/rules/", response={200: RuleOut, **errors(401, 403, 404)},
             url_name="visits-rule-set")  # fmt: skip
def set_rule(request: HttpRequest, payload: RuleIn):
    """Create or change the rule of a tag (holders of the visit-rule capability)."""
    tag = Tag.objects.filter(code=payload.tag.strip()).first()
    if tag is None:
        raise field_error("tag", _("No such tag."), "unknown_tag")
    rule = actions.do_set_visit_rule(
        actor=request.user,
        tag=tag,
        interval_days=payload.interval_days,
        silence_days=payload.silence_days,
    )
    return _rule(rule)


@router.delete("/rules/{tag}/", response={204: None, **errors(401, 403, 404)},
               url_name="visits-rule-remove")  # fmt: skip
def remove_rule(request: HttpRequest, tag: str):
    """Stop visiting for this tag."""
    rule = VisitRule.objects.select_related("tag").filter(tag__code=tag).first()
    if rule is None:
        raise field_error("tag", _("No rule for this tag."), "not_found")
    actions.do_remove_visit_rule(rule, actor=request.user)
    return Status(204, None)
