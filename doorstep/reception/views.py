"""Reception pages: the list of days and matters, planning a day, the day page (where what
residents raise is registered), a matter's page (assign, report, petition deadlines), the
leader's brief, and the public board.

Thin: single records through ``access_*`` (404 alike for missing and not yours), lists through
``days_for`` / ``matters_for``, every write through ``actions``. A refused write re-renders its
page with the error beside the field (400) and changes nothing; one the user may not make is 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.desks.choices import LIVE
from doorstep.desks.models import Appointment
from doorstep.staff.roles import REVIEW_CASES, RUN_RECEPTION, VIEW_RECEPTION, can

from . import actions, brief, public
from .access import access_day, access_matter, days_for, matters_for
from .choices import WHERE_TO_GO, DayStatus
from .filters import MatterFilterSet
from .forms import (
    AssignForm,
    ExtendForm,
    MatterForm,
    NoticeForm,
    PlanForm,
    ReportForm,
    add_action_errors,
)

PAGE_SIZE = 25


def _require(user, *capabilities: str) -> None:
    if not any(can(user, c) for c in capabilities):
        raise PermissionDenied


@login_required
def reception_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_RECEPTION, REVIEW_CASES)
    today = timezone.localdate()
    coming = (
        days_for(request.user)
        .filter(date__gte=today)
        .exclude(status=DayStatus.CANCELLED)
        .select_related("area", "venue")
        .order_by("date", "start")[:10]
    )
    rows = matters_for(request.user).select_related(
        "day", "category", "department", "compound", "need"
    )
    filters = MatterFilterSet(request.GET or None, queryset=rows.order_by("-day__date", "-id"))
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for matter in page.object_list:
        matter.stage_now = matter.stage(today)
    context = {
        "days": coming,
        "form": filters.form,
        "page": page,
        "may_plan": can(request.user, RUN_RECEPTION),
    }
    return render(request, "reception/list.html", context)


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    _require(request.user, RUN_RECEPTION)
    form = PlanForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                days = actions.do_plan_days(request.user, form.plan())
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(n)d reception day(s) planned, the first on %(date)s.")
                    % {"n": len(days), "date": days[0].date.isoformat()},
                )
                return redirect("reception-day", pk=days[0].pk)
    return render(request, "reception/plan.html", {"form": form}, status=status)


def _day_context(request: HttpRequest, day, form=None) -> dict:
    today = timezone.localdate()
    may_run = actions.may_run(request.user, day.area_code)
    matters = list(
        day.matters.select_related("category", "department", "compound", "need").order_by("id")
    )
    for matter in matters:
        matter.stage_now = matter.stage(today)
    bookings = []
    if day.session_id:
        bookings = list(
            Appointment.objects.filter(slot__session_id=day.session_id, status__in=LIVE)
            .select_related("slot")
            .order_by("slot__start", "id")
        )
    if form is None and may_run and day.date <= today and day.status != DayStatus.CANCELLED:
        form = MatterForm(day=day)
    return {
        "day": day,
        "matters": matters,
        "bookings": bookings,
        "form": form,
        "may_run": may_run,
        "is_leader": day.leader_id == request.user.pk,
        "today": today,
        "where_to_go": {k: str(v) for k, v in WHERE_TO_GO.items()},
    }


@login_required
def day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    day = access_day(request.user, pk)
    return render(request, "reception/day.html", _day_context(request, day))


@login_required
@require_POST
def register_matter(request: HttpRequest, pk: int) -> HttpResponse:
    day = access_day(request.user, pk)
    if not actions.may_run(request.user, day.area_code):
        raise PermissionDenied
    form = MatterForm(request.POST, day=day)
    if form.is_valid():
        try:
            matter = actions.do_register_matter(day, actor=request.user, raised=form.raised())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Matter #%(n)s registered.") % {"n": matter.pk})
            return redirect("reception-day", pk=day.pk)
    context = _day_context(request, day, form)
    return render(request, "reception/day.html", context, status=400)


@login_required
@require_POST
def cancel_day(request: HttpRequest, pk: int) -> HttpResponse:
    day = access_day(request.user, pk)
    try:
        actions.do_cancel_day(day, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reception day was called off; bookers are told."))
    return redirect("reception-day", pk=day.pk)


def _matter_context(request: HttpRequest, matter, **forms) -> dict:
    user = request.user
    may_run = actions.may_run(user, matter.area_code)
    may_report = actions.may_report(user, matter)
    context = {
        "matter": matter,
        "stage": matter.stage(timezone.localdate()),
        "may_run": may_run,
        "may_report": may_report,
        "assign_form": AssignForm(initial={"department": matter.department_id})
        if may_run
        else None,
        "report_form": ReportForm() if may_report and matter.department_id else None,
        "notice_form": NoticeForm()
        if may_run and matter.petition and not matter.notice_sent_on
        else None,
        "extend_form": ExtendForm()
        if may_run and matter.petition and matter.conclude_by and not matter.extended_days
        else None,
    }
    context.update(forms)
    return context


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = access_matter(request.user, pk)
    return render(request, "reception/matter.html", _matter_context(request, matter))


MATTER_WRITES = {
    "assign": (AssignForm, "assign_form", actions.do_assign),
    "report": (ReportForm, "report_form", actions.do_report),
    "notice": (NoticeForm, "notice_form", actions.do_record_notice),
    "extend": (ExtendForm, "extend_form", actions.do_extend),
}
DONE = {
    "assign": _("Assigned."),
    "report": _("Report recorded."),
    "notice": _("Written decision recorded."),
    "extend": _("Time limit extended."),
}


@login_required
@require_POST
def matter_write(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in MATTER_WRITES:
        raise Http404
    matter = access_matter(request.user, pk)
    form_class, name, action = MATTER_WRITES[verb]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(matter, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, str(DONE[verb]))
            return redirect("reception-matter", pk=matter.pk)
    context = _matter_context(request, matter, **{name: form})
    return render(request, "reception/matter.html", context, status=400)


@login_required
def brief_page(request: HttpRequest, pk: int) -> HttpResponse:
    day = access_day(request.user, pk)
    if day.leader_id != request.user.pk and not can(request.user, VIEW_RECEPTION):
        raise Http404
    context = {"day": day, "brief": brief.build(day)}
    return render(request, "reception/brief.html", context)


def board(request: HttpRequest, code: str) -> HttpResponse:
    """The public board of a street, community or compound: coming days, and every matter
    raised at its reception days in the last year with its progress. No names, no details."""
    area, codes = public.board_place(code)
    today = timezone.localdate()
    rows = public.board_matters(codes, public.board_since(today))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for matter in page.object_list:
        matter.stage_now = matter.stage(today)
    context = {"area": area, "days": public.coming_days(area.code, today), "page": page}
    return render(request, "reception/board.html", context)
