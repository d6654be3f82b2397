"""One household, one timeline: everything Doorstep holds about the residents of one household
(户), newest first, each entry linking to the record it came from.

The timeline is built from *sources*: a function per kind of record that takes the household's
visible residents and the user and returns ``Entry`` rows from ONE query (no query per resident
or per record). ``SOURCES`` lists them; an app that lands later (visits, needs, disputes,
callbacks) adds a function here and a line to ``SOURCES``. A source applies its own app's
``visible_to(user)``, so a grid worker (residents, no cases) sees no case in the timeline.

Opening a household's timeline (page or API) is a read of each member's record: one access-log
row per member, written in one INSERT (DESIGN.md §6).
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.cases.choices import CaseStatus, EventKind
from doorstep.cases.models import Case, CaseEvent
from doorstep.core.rest.types import ID_MAX
from doorstep.disputes.choices import DisputeStatus
from doorstep.disputes.choices import EventKind as DisputeEventKind
from doorstep.disputes.models import Dispute, DisputeEvent, DisputeParty
from doorstep.feedback.choices import Invalid, Level
from doorstep.needs.choices import EventKind as NeedEventKind
from doorstep.needs.choices import NeedStatus
from doorstep.needs.models import Need, NeedEvent, NeedSupporter
from doorstep.people.actions import log_accesses
from doorstep.people.choices import AccessAction
from doorstep.people.models import Resident
from doorstep.places.models import Household
from doorstep.proactive.choices import EntitlementStatus
from doorstep.proactive.models import Entitlement
from doorstep.staff.roles import VIEW_RESIDENTS
from doorstep.staff.scoping import covers
from doorstep.visits.choices import Outcome
from doorstep.visits.models import Visit

PER_SOURCE = 200  # newest entries each source gives; the page says when there may be more


@dataclass(frozen=True)
class Entry:
    """One line of a household's timeline."""

    when: datetime.datetime
    kind: str  # the source: "case", "programme", later "visit", "need", "dispute" …
    title: str
    link: str  # the record the entry is about (the case, the resident's programmes …)
    origin: str  # whose record it is: the resident's name
    origin_link: str  # the resident's page

    @property
    def label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


Source = Callable[[Sequence[Resident], object], list[Entry]]


def _resident_link(resident: Resident) -> str:
    return reverse("people-detail", args=[resident.pk])


def case_entries(residents: Sequence[Resident], user) -> list[Entry]:
    """Every event of the residents' cases the user may see (taken in, each state change,
    notices, materials, overdue …), in one query over the events and their cases."""
    by_id = {r.pk: r for r in residents}
    events = (
        CaseEvent.objects.filter(
            case__in=Case.objects.visible_to(user).filter(resident_id__in=list(by_id))
        )
        .select_related("case__service")
        .order_by("-at", "-id")[:PER_SOURCE]
    )
    entries = []
    for event in events:
        case = event.case
        what = EventKind(event.kind).label
        if event.kind == EventKind.TRANSITION and event.to_status:
            what = _("%(kind)s: %(status)s") % {
                "kind": what,
                "status": CaseStatus(event.to_status).label,
            }
        resident = by_id[case.resident_id]
        entries.append(
            Entry(
                when=event.at,
                kind="case",
                title=f"{case.service.name} {case.receipt} · {what}",
                link=reverse("cases-detail", args=[case.pk]),
                origin=resident.name,
                origin_link=_resident_link(resident),
            )
        )
    return entries


def programme_entries(residents: Sequence[Resident], user) -> list[Entry]:
    """The residents' proactive grants, offers and renewals (免申即享), in one query."""
    by_id = {r.pk: r for r in residents}
    rows = (
        Entitlement.objects.filter(resident_id__in=list(by_id))
        .select_related("programme")
        .order_by("-granted_at", "-id")[:PER_SOURCE]
    )
    return [
        Entry(
            when=row.granted_at,
            kind="programme",
            title=f"{row.programme.name} · {EntitlementStatus(row.status).label}",
            link=reverse("proactive:resident", args=[row.resident_id]),
            origin=by_id[row.resident_id].name,
            origin_link=_resident_link(by_id[row.resident_id]),
        )
        for row in rows
    ]


def _event_title(record: str, kind: str, to_status: str, kinds, statuses) -> str:
    what = kinds(kind).label
    if to_status:
        what = _("%(kind)s: %(status)s") % {"kind": what, "status": statuses(to_status).label}
    return f"{record} · {what}"


def _callback_result(data: dict) -> str:
    """What a need's callback found, from its event: not counted, not reached, or how
    satisfied the resident was (a callback recorded before satisfaction levels says nothing)."""
    if data.get("invalid"):
        return str(Invalid(data["invalid"]).label)
    if data.get("satisfaction") in Level.values:
        return str(Level(data["satisfaction"]).label)
    if "satisfaction" in data and not data.get("reached"):
        return _("not reached")
    return ""


def _need_title(event: NeedEvent) -> str:
    title = _event_title(str(event.need), event.kind, event.to_status, NeedEventKind, NeedStatus)
    result = _callback_result(event.data or {}) if event.kind == NeedEventKind.CALLBACK else ""
    return f"{title}: {result}" if result else title


def need_entries(residents: Sequence[Resident], user) -> list[Entry]:
    """Every event (registered, hand-ons, answers, callbacks …) of the needs the residents
    raised or joined as "same problem", among the needs the user may see (a sensitive need only
    for its owners and reviewers), in one query."""
    by_id = {r.pk: r for r in residents}
    ids = list(by_id)
    supporter = NeedSupporter.objects.filter(
        need_id=OuterRef("need_id"), resident_id__in=ids
    ).values("resident_id")[:1]
    needs = Need.objects.visible_to(user).filter(
        Q(resident_id__in=ids) | Q(supporters__resident_id__in=ids)
    )
    events = (
        NeedEvent.objects.filter(need__in=needs.values("pk"))
        .select_related("need__category")
        .annotate(supporter_id=Subquery(supporter))
        .order_by("-at", "-id")[:PER_SOURCE]
    )
    entries = []
    for event in events:
        resident = by_id.get(event.need.resident_id) or by_id[event.supporter_id]
        entries.append(
            Entry(
                when=event.at,
                kind="need",
                title=_need_title(event),
                link=reverse("needs-detail", args=[event.need_id]),
                origin=resident.name,
                origin_link=_resident_link(resident),
            )
        )
    return entries


def dispute_entries(residents: Sequence[Resident], user) -> list[Entry]:
    """Every event of the disputes in which a resident is a party, among the disputes the user
    may see (a mediator only their own), in one query."""
    by_id = {r.pk: r for r in residents}
    party = DisputeParty.objects.filter(
        dispute_id=OuterRef("dispute_id"), resident_id__in=list(by_id)
    ).values("resident_id")[:1]
    disputes = Dispute.objects.visible_to(user).filter(parties__resident_id__in=list(by_id))
    events = (
        DisputeEvent.objects.filter(dispute__in=disputes.values("pk"))
        .select_related("dispute")
        .annotate(party_id=Subquery(party))
        .order_by("-at", "-id")[:PER_SOURCE]
    )
    entries = []
    for event in events:
        resident = by_id[event.party_id]
        entries.append(
            Entry(
                when=event.at,
                kind="dispute",
                title=_event_title(
                    str(event.dispute), event.kind, event.to_status, DisputeEventKind, DisputeStatus
                ),
                link=reverse("disputes-detail", args=[event.dispute_id]),
                origin=resident.name,
                origin_link=_resident_link(resident),
            )
        )
    return entries


def _worker_name(user) -> str:
    return user.get_full_name() or user.get_username()


def visit_entries(residents: Sequence[Resident], user) -> list[Entry]:
    """The door-to-door visits to the household (whoever was met, or nobody), as the user may
    see them (a grid worker those of their grids), in one query."""
    household_id = residents[0].household_id
    visits = (
        Visit.objects.visible_to(user)
        .filter(household_id=household_id)
        .select_related("worker")
        .order_by("-visited_at", "-id")[:PER_SOURCE]
    )
    # A visit is to the household, not to one member: its origin is the household itself.
    here = reverse("household", args=[household_id])
    return [
        Entry(
            when=visit.visited_at,
            kind="visit",
            title=" · ".join(
                (
                    str(Outcome(visit.outcome).label),
                    visit.worker.get_full_name() or str(visit.worker),
                )
            ),
            link=reverse("visits-detail", args=[visit.pk]),
            origin=str(_("Household")),
            origin_link=here,
        )
        for visit in visits
    ]


SOURCES: tuple[Source, ...] = (
    case_entries,
    programme_entries,
    need_entries,
    dispute_entries,
    visit_entries,
)
# What the page calls each source's entries.
KINDS = {
    "case": gettext_lazy("Case"),
    "programme": gettext_lazy("Programme"),
    "need": gettext_lazy("Need"),
    "dispute": gettext_lazy("Dispute"),
    "visit": gettext_lazy("Visit"),
}


# ---- the household and its timeline -------------------------------------------------------------


def access_household(user, pk: int) -> Household:
    """The household ``pk`` if ``user`` may view residents in its compound; 404 alike for
    missing and not theirs."""
    if not 1 <= pk <= ID_MAX:
        raise Http404
    household = Household.objects.select_related("building__compound").filter(pk=pk).first()
    if household is None or not covers(user, VIEW_RESIDENTS, household.building.compound.code):
        raise Http404
    return household


def members(household: Household, user) -> list[Resident]:
    """The household's residents the user may see, by name."""
    return list(
        Resident.objects.visible_to(user).filter(household=household).order_by("name", "pk")
    )


def merged(sources: Iterable[list[Entry]]) -> list[Entry]:
    """The sources' entries in one list, newest first."""
    return list(heapq.merge(*sources, key=lambda e: e.when, reverse=True))


@dataclass(frozen=True)
class Timeline:
    household: Household
    residents: list[Resident]
    entries: list[Entry]
    truncated: bool  # a source gave its maximum: older entries may be left out


def open_timeline(household: Household, *, actor) -> Timeline:
    """The household's timeline as ``actor`` may see it; logs the read of each member's record."""
    residents = members(household, actor)
    log_accesses(actor, residents, AccessAction.VIEW, detail="household timeline")
    found = [source(residents, actor) if residents else [] for source in SOURCES]
    return Timeline(
        household=household,
        residents=residents,
        entries=merged(found),
        truncated=any(len(entries) >= PER_SOURCE for entries in found),
    )
