"""The ledgers (台账): spreadsheets that replace the books kept by hand.

Each ledger is the rows of a list page: the same source (``visible_to`` or the app's access
helper), the same ``FilterSet`` the page renders, the same capabilities the page asks for, and
the personal data the page shows (names as listed, phones never, ID numbers never). Rows are read
with ``.iterator(chunk_size=…)`` over ``values()`` or ``select_related``/``prefetch_related``
querysets: a bounded number of queries per chunk, never one per row.

Columns are built when a file is written, so their headers and labels come out in the active
language (Chinese by default).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.filters import CaseFilterSet
from doorstep.cases.models import Case
from doorstep.disputes.checklist import checklist
from doorstep.disputes.filters import DisputeFilterSet
from doorstep.disputes.models import Dispute
from doorstep.feedback.access import subjects_for
from doorstep.feedback.filters import SubjectFilterSet
from doorstep.feedback.models import Callback, Rating, Rectification, Subject
from doorstep.needs.filters import NeedFilterSet
from doorstep.needs.models import Need
from doorstep.reception.access import matters_for
from doorstep.reception.filters import MatterFilterSet
from doorstep.reception.models import Matter
from doorstep.staff.roles import (
    MEDIATE_DISPUTES,
    REVIEW_CASES,
    REVIEW_NEEDS,
    VIEW_CASES,
    VIEW_DISPUTES,
    VIEW_NEEDS,
    VIEW_RATINGS,
    VIEW_RECEPTION,
    VIEW_VISITS,
    can,
)
from doorstep.visits.filters import VisitFilterSet
from doorstep.visits.models import Visit
from doorstep.visits.scoping import may as may_visits

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Ledger:
    """One ledger: what the user may see of one list, as spreadsheet rows."""

    key: str
    title: Promise
    list_url: str  # the list page it mirrors ("" when there is none)
    may: Callable[[Any], bool]  # whether the user may read the list (and so export it)
    source: Callable[[Any], QuerySet]  # the rows the list shows the user, before its filters
    filterset: type[django_filters.FilterSet]
    date_field: str  # rows run in this order, and split by its month
    columns: Callable[[], list[Column]]
    read: Callable[[QuerySet], Iterable]  # the rows of the ordered, filtered queryset
    when: Callable[[Any], datetime.date | datetime.datetime]  # a row's date (the month split)
    where: Callable[[Any], str]  # a row's area code (the community split)
    area_field: str = "area_code"

    def filtered(self, data, *, request) -> django_filters.FilterSet:
        return self.filterset(data, queryset=self.source(request.user), request=request)

    def ordered(self, rows: QuerySet, split: str) -> QuerySet:
        first = (self.area_field,) if split == "community" else ()
        return rows.order_by(*first, self.date_field, "pk")


# ---- helpers for the columns -----------------------------------------------------------------


def labels(model: type[Model], field: str) -> dict:
    """A choice field's labels in the active language, read once per file."""
    return {value: str(label) for value, label in model._meta.get_field(field).choices}


def head(model: type[Model], field: str) -> str:
    """A column named as the model names the field (one wording, already translated)."""
    return capfirst(str(model._meta.get_field(field).verbose_name))


def local(value):
    """Spreadsheets hold no time zones: a moment is written as the local wall-clock time."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def yes_no(value) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# ---- service ledger (cases) ------------------------------------------------------------------

CASE_FIELDS = (
    "pk", "receipt", "created_at", "area_code", "resident__name", "service__name",
    "department__name", "status", "accepted_on", "due_on", "closed_at", "overdue_at", "trips",
    "max_trips", "forwarded_to__name", "agent_kind",
)  # fmt: skip


def case_columns() -> list[Column]:
    status, agent = labels(Case, "status"), labels(Case, "agent_kind")
    return [
        Column(_("Receipt number"), lambda r: r["receipt"]),
        Column(head(Case, "created_at"), lambda r: local(r["created_at"])),
        Column(_("Area code"), lambda r: r["area_code"]),
        Column(_("Resident"), lambda r: r["resident__name"]),
        Column(_("Service"), lambda r: r["service__name"]),
        Column(_("Department"), lambda r: r["department__name"]),
        Column(_("Status"), lambda r: status.get(r["status"], r["status"])),
        Column(_("Accepted on"), lambda r: r["accepted_on"]),
        Column(head(Case, "due_on"), lambda r: r["due_on"]),
        Column(head(Case, "closed_at"), lambda r: local(r["closed_at"])),
        Column(_("Overdue"), lambda r: yes_no(r["overdue_at"] is not None)),
        Column(_("Trips back"), lambda r: r["trips"]),
        Column(head(Case, "max_trips"), lambda r: r["max_trips"]),
        Column(_("Forwarded to"), lambda r: r["forwarded_to__name"] or ""),
        Column(_("Brought by"), lambda r: agent.get(r["agent_kind"], r["agent_kind"])),
    ]


def _values(*fields: str) -> Callable[[QuerySet], Iterator[dict]]:
    def read(rows: QuerySet) -> Iterator[dict]:
        return rows.values(*fields).iterator(chunk_size=CHUNK)

    return read


# ---- needs ledger ----------------------------------------------------------------------------

NEED_FIELDS = (
    "pk", "created_at", "area_code", "category__name", "kind", "source", "urgency",
    "compound__name", "status", "level", "feedback_due_at", "answered_at", "decision",
    "closed_at",
)  # fmt: skip


def need_columns() -> list[Column]:
    kind, source, urgency = labels(Need, "kind"), labels(Need, "source"), labels(Need, "urgency")
    status, level, decision = (
        labels(Need, "status"),
        labels(Need, "level"),
        labels(Need, "decision"),
    )
    return [
        Column(_("Number"), lambda r: r["pk"]),
        Column(head(Need, "created_at"), lambda r: local(r["created_at"])),
        Column(_("Area code"), lambda r: r["area_code"]),
        Column(_("Compound"), lambda r: r["compound__name"]),
        Column(_("Category"), lambda r: r["category__name"]),
        Column(_("Kind"), lambda r: kind.get(r["kind"], r["kind"])),
        Column(_("Source"), lambda r: source.get(r["source"], r["source"])),
        Column(_("Urgency"), lambda r: urgency.get(r["urgency"], r["urgency"])),
        Column(_("Status"), lambda r: status.get(r["status"], r["status"])),
        Column(_("Level"), lambda r: level.get(r["level"], r["level"])),
        Column(_("Feedback due"), lambda r: local(r["feedback_due_at"])),
        Column(head(Need, "answered_at"), lambda r: local(r["answered_at"])),
        Column(_("Decision"), lambda r: decision.get(r["decision"], r["decision"])),
        Column(head(Need, "closed_at"), lambda r: local(r["closed_at"])),
    ]


# ---- mediation ledger (one row per case file, with its checklist) ----------------------------

# The file's items, in the order ``disputes.checklist`` lists them (the same words).
CHECKLIST = (
    ("application", gettext_lazy("Application or referral letter")),
    ("notice", gettext_lazy("Notice of rights and duties, acknowledged by every party")),
    ("id", gettext_lazy("Parties' ID documents")),
    ("sessions", gettext_lazy("Session records")),
    ("agreement", gettext_lazy("Agreement (signed, or the oral agreement as text)")),
    ("performance", gettext_lazy("Proof of performance")),
    ("callback", gettext_lazy("Callback on performance")),
)


@dataclass(frozen=True)
class CaseFile:
    dispute: Dispute
    items: dict  # checklist code -> state label


def read_files(rows: QuerySet) -> Iterator[CaseFile]:
    rows = rows.select_related("area", "mediator").prefetch_related(
        "parties", "sessions", "attachments"
    )
    for dispute in rows.iterator(chunk_size=500):
        yield CaseFile(dispute, {i.code: i.state_label for i in checklist(dispute)})


def dispute_columns() -> list[Column]:
    kind, status = labels(Dispute, "type"), labels(Dispute, "status")
    risk, outcome = labels(Dispute, "risk"), labels(Dispute, "outcome")

    def item(code: str) -> Callable[[CaseFile], str]:
        return lambda f: f.items.get(code, "")

    return [
        Column(_("File number"), lambda f: f.dispute.number),
        Column(head(Dispute, "registered_at"), lambda f: local(f.dispute.registered_at)),
        Column(_("Area"), lambda f: f.dispute.area.name),
        Column(_("Kind of dispute"), lambda f: kind.get(f.dispute.type, f.dispute.type)),
        Column(_("Parties"), lambda f: "、".join(p.name for p in f.dispute.parties.all())),
        Column(_("Mediator"), lambda f: person(f.dispute.mediator)),
        Column(_("Status"), lambda f: status.get(f.dispute.status, f.dispute.status)),
        Column(_("Risk"), lambda f: risk.get(f.dispute.risk, f.dispute.risk)),
        Column(head(Dispute, "due_on"), lambda f: f.dispute.due_on),
        Column(_("Outcome"), lambda f: outcome.get(f.dispute.outcome, f.dispute.outcome)),
        Column(head(Dispute, "closed_at"), lambda f: local(f.dispute.closed_at)),
        *(Column(str(label), item(code)) for code, label in CHECKLIST),
    ]


# ---- visit ledger ----------------------------------------------------------------------------


def read_visits(rows: QuerySet) -> Iterator[Visit]:
    rows = rows.select_related("household__building__compound", "worker").with_counts()
    return rows.iterator(chunk_size=CHUNK)


def visit_columns() -> list[Column]:
    purpose, outcome = labels(Visit, "purpose"), labels(Visit, "outcome")
    return [
        Column(_("Visited at"), lambda v: local(v.visited_at)),
        Column(_("Area code"), lambda v: v.area_code),
        Column(_("Household"), lambda v: str(v.household)),
        Column(_("Grid worker"), lambda v: person(v.worker)),
        Column(_("Purpose"), lambda v: purpose.get(v.purpose, v.purpose)),
        Column(_("Outcome"), lambda v: outcome.get(v.outcome, v.outcome)),
        Column(_("Findings"), lambda v: v.finding_count or 0),
        Column(_("Photos"), lambda v: v.photo_count or 0),
    ]


# ---- reception-day ledger --------------------------------------------------------------------


def read_matters(rows: QuerySet) -> Iterator:
    rows = rows.select_related("day", "category", "department", "compound", "need")
    return rows.iterator(chunk_size=CHUNK)


def matter_columns() -> list[Column]:
    route, today = labels(Matter, "route"), timezone.localdate()
    return [
        Column(_("Number"), lambda m: m.pk),
        Column(_("Reception day"), lambda m: m.day.date),
        Column(_("Area code"), lambda m: m.area_code),
        Column(_("Compound"), lambda m: m.compound.name),
        Column(_("Category"), lambda m: m.category.name),
        Column(head(Matter, "public_summary"), lambda m: m.public_summary),
        Column(_("What became of it"), lambda m: route.get(m.route, m.route)),
        Column(_("Stage"), lambda m: str(m.stage(today).label)),
        Column(_("Department"), lambda m: m.department.name if m.department else ""),
        Column(head(Matter, "due_on"), lambda m: m.due_on),
        Column(_("Petition"), lambda m: yes_no(m.petition)),
    ]


# ---- rating and rectification ledger (never the rater) ---------------------------------------


def read_subjects(rows: QuerySet) -> Iterator[Subject]:
    """The rated matters of the satisfaction list, each with its current rating and its latest
    rectification (with its callback; the bad rating it rectifies may since have been replaced
    by the new rating given at that callback): a bounded number of queries a chunk."""
    rectified = (
        Rating.objects.filter(rectification__isnull=False)
        .select_related("rectification__callback")
        .order_by("-at", "-pk")
    )
    rows = rows.select_related("service", "department").prefetch_related(
        Prefetch(
            "ratings", queryset=Rating.objects.filter(current=True), to_attr="current_ratings"
        ),
        Prefetch("ratings", queryset=rectified, to_attr="rectified_ratings"),
    )
    return rows.iterator(chunk_size=CHUNK)


def _rating(subject: Subject) -> Rating | None:
    return subject.current_ratings[0] if subject.current_ratings else None


def _rectification(subject: Subject):
    return subject.rectified_ratings[0].rectification if subject.rectified_ratings else None


def rating_columns() -> list[Column]:
    """One row per rated matter of the satisfaction list, as the list shows it: never the
    rater, nor the comment (it may name them)."""
    kind, channel = labels(Subject, "kind"), labels(Subject, "channel")
    level, source = labels(Rating, "level"), labels(Rating, "source")
    rect_status, rect_outcome = labels(Rectification, "status"), labels(Rectification, "outcome")
    solved = labels(Callback, "solved")

    def rating(get: Callable[[Rating], Any]) -> Callable[[Subject], Any]:
        def value(s: Subject):
            found = _rating(s)
            return get(found) if found is not None else ""

        return value

    def rect(get: Callable[[Any], Any]) -> Callable[[Subject], Any]:
        def value(s: Subject):
            found = _rectification(s)
            return get(found) if found is not None else ""

        return value

    def callback(get: Callable[[Any], Any]) -> Callable[[Subject], Any]:
        return rect(lambda x: get(x.callback) if x.callback is not None else "")

    return [
        Column(head(Subject, "closed_at"), lambda s: local(s.closed_at)),
        Column(_("Area code"), lambda s: s.area_code),
        Column(_("Kind"), lambda s: kind.get(s.kind, s.kind)),
        Column(head(Subject, "reference"), lambda s: s.reference),
        Column(_("Service"), lambda s: s.service.name if s.service else ""),
        Column(_("Department"), lambda s: s.department.name if s.department else ""),
        Column(head(Subject, "channel"), lambda s: channel.get(s.channel, s.channel)),
        Column(head(Rating, "level"), rating(lambda r: level.get(r.level, r.level))),
        Column(head(Rating, "at"), rating(lambda r: local(r.at))),
        Column(head(Rating, "efficiency"), rating(lambda r: r.efficiency)),
        Column(head(Rating, "service"), rating(lambda r: r.service)),
        Column(head(Rating, "attitude"), rating(lambda r: r.attitude)),
        Column(head(Rating, "source"), rating(lambda r: source.get(r.source, r.source))),
        Column(head(Rating, "excluded"), rating(lambda r: yes_no(r.excluded))),
        Column(
            capfirst(Rectification._meta.verbose_name),
            rect(lambda x: rect_status.get(x.status, x.status)),
        ),
        Column(head(Rectification, "due_on"), rect(lambda x: x.due_on)),
        Column(head(Rectification, "outcome"), rect(lambda x: rect_outcome.get(x.outcome, ""))),
        Column(head(Rectification, "done_at"), rect(lambda x: local(x.done_at))),
        Column(head(Callback, "reached"), callback(lambda c: yes_no(c.reached))),
        Column(head(Callback, "solved"), callback(lambda c: solved.get(c.solved, ""))),
        Column(head(Callback, "satisfaction"), callback(lambda c: c.satisfaction)),
    ]


# ---- the registry ----------------------------------------------------------------------------


def _any(*capabilities: str) -> Callable[[Any], bool]:
    return lambda user: any(can(user, c) for c in capabilities)


def _key(field: str) -> Callable[[Any], Any]:
    return lambda r: r[field]


LEDGERS: dict[str, Ledger] = {
    ledger.key: ledger
    for ledger in (
        Ledger(
            key="cases",
            title=gettext_lazy("Service ledger (cases)"),
            list_url="cases-list",
            may=_any(VIEW_CASES, REVIEW_CASES),
            source=lambda user: Case.objects.visible_to(user),
            filterset=CaseFilterSet,
            date_field="created_at",
            columns=case_columns,
            read=_values(*CASE_FIELDS),
            when=_key("created_at"),
            where=_key("area_code"),
        ),
        Ledger(
            key="visits",
            title=gettext_lazy("Visit ledger"),
            list_url="visits-list",
            may=lambda user: may_visits(user, VIEW_VISITS),
            source=lambda user: Visit.objects.visible_to(user),
            filterset=VisitFilterSet,
            date_field="visited_at",
            columns=visit_columns,
            read=read_visits,
            when=lambda v: v.visited_at,
            where=lambda v: v.area_code,
        ),
        Ledger(
            key="needs",
            title=gettext_lazy("Needs ledger"),
            list_url="needs-list",
            may=_any(VIEW_NEEDS, REVIEW_NEEDS),
            source=lambda user: Need.objects.visible_to(user),
            filterset=NeedFilterSet,
            date_field="created_at",
            columns=need_columns,
            read=_values(*NEED_FIELDS),
            when=_key("created_at"),
            where=_key("area_code"),
        ),
        Ledger(
            key="mediation",
            title=gettext_lazy("Mediation ledger"),
            list_url="disputes-list",
            may=_any(VIEW_DISPUTES, MEDIATE_DISPUTES),
            source=lambda user: Dispute.objects.visible_to(user),
            filterset=DisputeFilterSet,
            date_field="registered_at",
            columns=dispute_columns,
            read=read_files,
            when=lambda f: f.dispute.registered_at,
            where=lambda f: f.dispute.area_code,
        ),
        Ledger(
            key="reception",
            title=gettext_lazy("Reception-day ledger"),
            list_url="reception-list",
            may=_any(VIEW_RECEPTION, REVIEW_CASES),
            source=matters_for,
            filterset=MatterFilterSet,
            date_field="day__date",
            columns=matter_columns,
            read=read_matters,
            when=lambda m: m.day.date,
            where=lambda m: m.area_code,
        ),
        Ledger(
            key="ratings",
            title=gettext_lazy("Rating and rectification ledger"),
            list_url="feedback-list",
            may=_any(VIEW_RATINGS, REVIEW_CASES),
            source=subjects_for,
            filterset=SubjectFilterSet,
            date_field="closed_at",
            columns=rating_columns,
            read=read_subjects,
            when=lambda s: s.closed_at,
            where=lambda s: s.area_code,
        ),
    )
}


def ledgers_for(user) -> list[Ledger]:
    return [ledger for ledger in LEDGERS.values() if ledger.may(user)]


__all__ = ["LEDGERS", "Column", "Ledger", "ledgers_for"]
